package local

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/deploy"
)

// grant gives every function's role exactly the identity policy the stack
// gives it: deploy.Grants, built from the same Go value, with the simulator's
// ARNs, plus the AWS managed policies the stack attaches. Options.Revoke takes
// actions out for a run.
func (r *Runtime) grant(busArn string) error {
	ic := r.Sim.IdentityCenter()
	res := deploy.Resources{
		Partition: "aws", Region: r.Sim.Region(), Account: r.Sim.ManagementAccountID(),
		InstanceArn: ic.InstanceArn, InstanceID: strings.TrimPrefix(ic.InstanceArn, "arn:aws:sso:::instance/"),
		IdentityStoreID: ic.IdentityStoreID,
		BusArn:          busArn, StateMachineArn: r.StateMachineArn, StateMachineName: deploy.StateMachineName,
		RejectedQueueArn:        r.queueArn(deploy.RejectedQueue.Name),
		LifecycleFailedQueueArn: r.queueArn(deploy.LifecycleFailedQueue.Name),
		WaitsTableArn:           r.WaitsTableArn,
		Provisioning:            r.opts.Provisioning,
	}
	for name := range r.opts.Revoke {
		if _, ok := deploy.FunctionNamed(name); !ok {
			return fmt.Errorf("revoke: no function %q (the functions are in internal/deploy)", name)
		}
	}
	for _, f := range deploy.Functions {
		grants := deploy.Grants(f.Name, res)
		if f.Name == "intake" {
			grants = append(grants, deploy.IntakeEventSourceGrant(r.queueArn(deploy.RequestQueue.Name)))
		}
		grants, err := revoke(grants, r.opts.Revoke[f.Name])
		if err != nil {
			return fmt.Errorf("revoke from %s: %w", f.Name, err)
		}
		own, err := iam.Parse(deploy.PolicyDocument(grants))
		if err != nil {
			return fmt.Errorf("function %s: its policy: %w", f.Name, err)
		}
		policies := []iam.Policy{own}
		for _, m := range deploy.ManagedPolicies(f.Name) {
			p, ok := iam.AWSManaged(m.Name)
			if !ok {
				return fmt.Errorf("function %s: the simulator does not know the AWS managed policy %s", f.Name, m.Name)
			}
			policies = append(policies, p)
		}
		if err := r.Sim.SetPolicies(f.DeployedName(), policies...); err != nil {
			return err
		}
	}
	return nil
}

// associatePortfolio makes the provisioning role a principal of the Account
// Factory portfolio, as the stack's CfnPortfolioPrincipalAssociation does:
// without it, Service Catalog shows it no launch path.
func (r *Runtime) associatePortfolio(ctx context.Context) error {
	role := fmt.Sprintf("arn:aws:iam::%s:role/%s", r.Sim.ManagementAccountID(), deploy.Prefix+"-provision")
	_, err := servicecatalog.NewFromConfig(r.withRetries(r.Sim.Config())).AssociatePrincipalWithPortfolio(ctx, &servicecatalog.AssociatePrincipalWithPortfolioInput{
		PortfolioId: aws.String(r.Sim.AccountFactory().PortfolioID), PrincipalARN: aws.String(role), PrincipalType: sctypes.PrincipalTypeIam})
	if err != nil {
		return fmt.Errorf("associate %s with the Account Factory portfolio: %w", role, err)
	}
	return nil
}

// revoke takes actions out of grants (a statement left with none is dropped);
// an action no grant has is an error, so a typo does not pass as a revocation.
func revoke(grants []deploy.Grant, actions []string) ([]deploy.Grant, error) {
	for _, a := range actions {
		found := false
		for i := range grants {
			if j := slices.IndexFunc(grants[i].Actions, func(g string) bool { return strings.EqualFold(g, a) }); j >= 0 {
				grants[i].Actions = slices.Delete(slices.Clone(grants[i].Actions), j, j+1)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("the function is not granted %s", a)
		}
	}
	return slices.DeleteFunc(grants, func(g deploy.Grant) bool { return len(g.Actions) == 0 }), nil
}

// IAM is what the run's calls asked of IAM: how many calls of towervend's
// functions were checked, which were denied, and, by function, the granted
// actions no call used: unexplained (Unused), or kept for a case the grant
// names that this run did not have (Conditional).
type IAM struct {
	Calls       int                           `json:"calls"`
	Denied      []awssim.IAMDenial            `json:"denied"`
	Unused      map[string][]string           `json:"unused"`
	Conditional map[string][]ConditionalGrant `json:"conditional"`
}

// ConditionalGrant is a granted action a run did not use, and the case that
// needs it (deploy.Grant.When).
type ConditionalGrant struct {
	Action string `json:"action"`
	When   string `json:"when"`
}

// IAM reports the run's authorization.
func (r *Runtime) IAM() IAM {
	rep := r.Sim.IAMReport()
	out := IAM{Calls: rep.Checked, Denied: rep.Denials, Unused: map[string][]string{}, Conditional: map[string][]ConditionalGrant{}}
	if out.Denied == nil {
		out.Denied = []awssim.IAMDenial{}
	}
	for _, role := range rep.Roles {
		name := strings.TrimPrefix(role.Role, deploy.Prefix+"-")
		f, ok := deploy.FunctionNamed(name)
		if !ok {
			continue
		}
		granted := map[string]deploy.Grant{}
		for _, g := range deploy.Grants(f.Name, deploy.Resources{}) {
			if g.OnBehalf {
				continue
			}
			for _, a := range g.Actions {
				granted[strings.ToLower(a)] = g
			}
		}
		var unused []string
		var conditional []ConditionalGrant
		for _, a := range role.Unused {
			switch g, ok := granted[strings.ToLower(a)]; {
			case !ok:
			case g.When != "":
				conditional = append(conditional, ConditionalGrant{Action: a, When: g.When})
			default:
				unused = append(unused, a)
			}
		}
		if len(unused) > 0 {
			sort.Strings(unused)
			out.Unused[f.Name] = unused
		}
		if len(conditional) > 0 {
			slices.SortFunc(conditional, func(a, b ConditionalGrant) int { return strings.Compare(a.Action, b.Action) })
			out.Conditional[f.Name] = conditional
		}
	}
	return out
}

// LostLifecycleEvents counts the messages in the lifecycle-failed queue.
func (r *Runtime) LostLifecycleEvents() int {
	visible, inFlight := r.Sim.QueueDepth(r.LifecycleFailedURL)
	return visible + inFlight
}
