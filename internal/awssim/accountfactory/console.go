package accountfactory

import (
	"context"
	"fmt"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// ConsoleAccount is what an administrator types into Control Tower's Account
// Factory console to create an account.
type ConsoleAccount struct {
	Name, Email string
	// OU is the ManagedOrganizationalUnit value, "Name (ou-id)".
	OU string
	// SSOEmail, SSOFirstName and SSOLastName are the account's Identity Center user.
	SSOEmail, SSOFirstName, SSOLastName string
}

// ConsoleProvision creates an account the way an administrator does in Control
// Tower's Account Factory console, not through towervend: ProvisionProduct as
// adminArn (a principal of the portfolio, as the console's administrators
// are), with a token of the console's own and the account name as the
// product's name. Control Tower then works on it like any other create. It
// returns the provisioned product's id. The lock is held.
func (s *Service) ConsoleProvision(adminArn string, a ConsoleAccount) (string, error) {
	if !s.associated(protocol.Principal{Arn: adminArn}) {
		s.state.Principals = append(s.state.Principals, adminArn)
	}
	artifact := s.state.activeArtifact()
	if artifact == nil {
		return "", fmt.Errorf("console provision %s: the Account Factory product has no active version", a.Name)
	}
	param := func(k, v string) paramInput { return paramInput{Key: k, Value: &v} }
	c := &protocol.Call{Ctx: context.Background(), Caller: protocol.Principal{Arn: adminArn, AccountID: s.env.ManagementAccountID},
		Now: s.env.Clock.Now(), RequestID: s.env.UUID()}
	out, aerr := s.provisionProduct(c, provisionProductInput{
		ProvisionToken:         "console-" + s.env.UUID(),
		ProvisionedProductName: a.Name,
		launchInput: launchInput{ProductID: s.state.ProductID, ProvisioningArtifactID: artifact.ID, PathID: s.state.LaunchPathID,
			ProvisioningParameters: []paramInput{
				param(afAccountName, a.Name), param(afAccountEmail, a.Email), param(afManagedOU, a.OU),
				param(afSSOEmail, a.SSOEmail), param(afSSOFirstName, a.SSOFirstName), param(afSSOLastName, a.SSOLastName),
			}},
	})
	if aerr != nil {
		return "", fmt.Errorf("console provision %s: %w", a.Name, aerr)
	}
	rec := s.state.Records[out.(map[string]any)["RecordDetail"].(scRecordDetail).RecordID]
	return rec.ProvisionedProductID, nil
}
