package awssim

import (
	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/cloudformation"
	"github.com/towervend/towervend/internal/awssim/dynamodb"
	"github.com/towervend/towervend/internal/awssim/iamapi"
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/sqs"
	"github.com/towervend/towervend/internal/awssim/sts"
)

// build creates the initial state from the world description, drawing every
// id the world leaves out from the seeded rand, in document order.
func (s *Sim) build(w *World) error {
	org, err := organizations.New(s.env, orgSpec(w.Organization))
	if err != nil {
		return err
	}
	s.org = org
	s.env.ManagementAccountID = org.ManagementAccountID()
	s.sts = sts.New(s.env, stsOrganization{org}, stsPrincipals(w.Principals))
	s.iam = authz.New(authzOrganization{org}, s.sts, s.log)
	s.iam.UseClock(s.env.Now)
	s.iamAPI = iamapi.New(s.env, iamOrganization{org}, iamRoles{reg: s.iam, sts: s.sts, org: org, principals: w.Principals}, iamIdentities{})
	if err := s.buildIdentityCenter(w); err != nil {
		return err
	}
	if err := s.buildAccountFactory(w); err != nil {
		return err
	}
	// Control Tower hears of MoveAccount calls: auto-enrollment.
	org.OnAccountMoved(s.catalog.AccountMoved)
	s.queues = sqs.New(s.env, Endpoint)
	s.tables = dynamodb.New(s.env)
	s.stacks = cloudformation.New(s.env, Endpoint)
	return s.initEvents(w)
}
