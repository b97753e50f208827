package accountfactory

import (
	"slices"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

type associatePrincipalInput struct {
	PortfolioId   string
	PrincipalARN  string
	PrincipalType string
}

// associatePrincipal is AssociatePrincipalWithPortfolio: the stack's
// CfnPortfolioPrincipalAssociation makes the provisioning role a principal
// of the Account Factory portfolio, without which it finds no launch path.
func (s *Service) associatePrincipal(c *protocol.Call, in associatePrincipalInput) (any, *protocol.APIError) {
	switch {
	case in.PortfolioId != s.state.PortfolioID:
		return nil, protocol.Err("ResourceNotFoundException", "Portfolio %s not found.", in.PortfolioId)
	case in.PrincipalType != "IAM" && in.PrincipalType != "IAM_PATTERN":
		return nil, protocol.Err("InvalidParametersException", "PrincipalType must be IAM or IAM_PATTERN.")
	case in.PrincipalARN == "":
		return nil, protocol.Err("InvalidParametersException", "PrincipalARN is required.")
	}
	if !slices.Contains(s.state.Principals, in.PrincipalARN) {
		s.state.Principals = append(s.state.Principals, in.PrincipalARN)
	}
	return struct{}{}, nil
}

// onAssociatePrincipal: servicecatalog:AssociatePrincipalWithPortfolio acts on the portfolio.
func (s *Service) onAssociatePrincipal(c *protocol.Call, in associatePrincipalInput) []protocol.Access {
	return []protocol.Access{{Resource: "arn:aws:catalog:" + s.env.Region + ":" + s.env.ManagementAccountID + ":portfolio/" + in.PortfolioId}}
}
