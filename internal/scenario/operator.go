package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/vend"
)

// operator is an administrator of the simulated organization: the SDK
// clients aws steps act and expect steps read with, signed as the world's
// first principal (a management account role), as an operator's CLI would be.
type operator struct {
	rt  *local.Runtime
	org *organizations.Client
	sso *ssoadmin.Client
	ids *identitystore.Client
}

func newOperator(rt *local.Runtime) *operator {
	cfg := rt.Sim.Config()
	// The faults a scenario switches on throttle the operator too; its SDK
	// retries wait on the simulated clock (the steps are clock-scheduled
	// work), so a throttled read costs no real time.
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.Backoff = vend.ClockBackoff{Clock: rt.Clock}
			o.RateLimiter = ratelimit.None
		})
	}
	return &operator{rt: rt, org: organizations.NewFromConfig(cfg), sso: ssoadmin.NewFromConfig(cfg), ids: identitystore.NewFromConfig(cfg)}
}

// act does an aws step and says what it did.
func (e *engine) act(a Action) (string, error) {
	ctx, op := e.ctx, e.op
	switch {
	case a.CreateAccount != nil:
		c := a.CreateAccount
		in := &organizations.CreateAccountInput{AccountName: aws.String(c.Name), Email: aws.String(c.Email)}
		if c.RoleName != "" {
			in.RoleName = aws.String(c.RoleName)
		}
		out, err := op.org.CreateAccount(ctx, in)
		if err != nil {
			return "", fmt.Errorf("organizations CreateAccount %s: %w", c.Name, err)
		}
		e.accounts[c.Name] = c.Email
		return fmt.Sprintf("aws createAccount %s: Organizations request %s is %s", c.Name,
			aws.ToString(out.CreateAccountStatus.Id), out.CreateAccountStatus.State), nil
	case a.ConsoleProvision != nil:
		c := a.ConsoleProvision
		product, err := e.rt.Sim.ProvisionInConsole(awssim.ConsoleAccount{Name: c.Name, Email: c.Email, OU: c.OrganizationalUnit,
			OwnerEmail: c.SSO.Email, OwnerFirstName: c.SSO.FirstName, OwnerLastName: c.SSO.LastName})
		if err != nil {
			return "", err
		}
		e.accounts[c.Name] = c.Email
		return fmt.Sprintf("aws consoleProvision %s in %s: provisioned product %s", c.Name, c.OrganizationalUnit, product), nil
	case a.Invite != nil:
		c := a.Invite
		id, err := e.rt.Sim.InviteAccount(c.Name, c.Email)
		if err != nil {
			return "", err
		}
		if c.ExecutionRole != "" && c.ExecutionRole != awssim.RoleMissing {
			if err := e.rt.Sim.SetExecutionRole(id, c.ExecutionRole); err != nil {
				return "", err
			}
		}
		e.accounts[c.Name] = id
		return fmt.Sprintf("aws invite: %s (%s) accepts the organization's invitation", c.Name, id), nil
	case a.MoveAccount != nil:
		id, err := e.resolve(a.MoveAccount.Account)
		if err != nil {
			return "", err
		}
		target, err := op.ouID(ctx, a.MoveAccount.OrganizationalUnit)
		if err != nil {
			return "", err
		}
		parents, err := op.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("organizations ListParents %s: %w", id, err)
		}
		if len(parents.Parents) == 0 {
			return "", fmt.Errorf("organizations ListParents %s: no parent", id)
		}
		if _, err := op.org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id),
			SourceParentId: parents.Parents[0].Id, DestinationParentId: aws.String(target)}); err != nil {
			return "", fmt.Errorf("organizations MoveAccount %s to %s: %w", id, a.MoveAccount.OrganizationalUnit, err)
		}
		return fmt.Sprintf("aws moveAccount %s to %s", id, a.MoveAccount.OrganizationalUnit), nil
	case a.TagResource != nil:
		id, err := e.resolve(a.TagResource.Account)
		if err != nil {
			return "", err
		}
		var tags []orgtypes.Tag
		for _, k := range sortedKeys(a.TagResource.Tags) {
			tags = append(tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(a.TagResource.Tags[k])})
		}
		if _, err := op.org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(id), Tags: tags}); err != nil {
			return "", fmt.Errorf("organizations TagResource %s: %w", id, err)
		}
		return "aws " + describeAction(Action{TagResource: &TagResource{Account: id, Tags: a.TagResource.Tags}}), nil
	case a.UntagResource != nil:
		id, err := e.resolve(a.UntagResource.Account)
		if err != nil {
			return "", err
		}
		if _, err := op.org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(id), TagKeys: a.UntagResource.TagKeys}); err != nil {
			return "", fmt.Errorf("organizations UntagResource %s: %w", id, err)
		}
		return "aws " + describeAction(Action{UntagResource: &UntagResource{Account: id, TagKeys: a.UntagResource.TagKeys}}), nil
	}
	return "", errors.New("aws: no action") // Parse refuses these
}

// accountByEmail finds a member account by its root email ("" if none has it).
func (op *operator) accountByEmail(ctx context.Context, email string) (string, error) {
	pages := organizations.NewListAccountsPaginator(op.org, &organizations.ListAccountsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("organizations ListAccounts: %w", err)
		}
		for _, a := range page.Accounts {
			if strings.EqualFold(aws.ToString(a.Email), email) {
				return aws.ToString(a.Id), nil
			}
		}
	}
	return "", nil
}

// ouID finds an OU by its path from Root ("Workloads/Prod"), "Root" or its id.
func (op *operator) ouID(ctx context.Context, path string) (string, error) {
	if strings.HasPrefix(path, "ou-") {
		return path, nil
	}
	roots, err := op.org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return "", fmt.Errorf("organizations ListRoots: %w", err)
	}
	if len(roots.Roots) == 0 {
		return "", errors.New("organizations ListRoots: no root")
	}
	parent, parentPath := aws.ToString(roots.Roots[0].Id), "Root"
	if path == "Root" {
		return parent, nil
	}
	for seg := range strings.SplitSeq(path, "/") {
		var names []string
		found := ""
		pages := organizations.NewListOrganizationalUnitsForParentPaginator(op.org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for pages.HasMorePages() && found == "" {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return "", fmt.Errorf("organizations ListOrganizationalUnitsForParent %s: %w", parent, err)
			}
			for _, u := range page.OrganizationalUnits {
				names = append(names, aws.ToString(u.Name))
				if aws.ToString(u.Name) == seg {
					found = aws.ToString(u.Id)
				}
			}
		}
		if found == "" {
			return "", fmt.Errorf("organizationalUnit %q: %s has no OU %q; its OUs are: %s", path, parentPath, seg, strings.Join(names, ", "))
		}
		parent = found
		if parentPath == "Root" {
			parentPath = seg
		} else {
			parentPath += "/" + seg
		}
	}
	return parent, nil
}

// placement is where an account sits: its OU's path from Root ("" for
// Root) and its parent's id. found is false for an account not in the
// organization.
func (op *operator) placement(ctx context.Context, account string) (path, parentID string, found bool, err error) {
	child := account
	var names []string
	for {
		out, err := op.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
		var notFound *orgtypes.ChildNotFoundException
		if errors.As(err, &notFound) && child == account {
			return "", "", false, nil
		}
		if err != nil {
			return "", "", false, fmt.Errorf("organizations ListParents %s: %w", child, err)
		}
		if len(out.Parents) == 0 {
			return "", "", false, fmt.Errorf("organizations ListParents %s: no parent", child)
		}
		p := out.Parents[0]
		if parentID == "" {
			parentID = aws.ToString(p.Id)
		}
		if p.Type != orgtypes.ParentTypeOrganizationalUnit {
			break
		}
		ou, err := op.org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: p.Id})
		if err != nil {
			return "", "", false, fmt.Errorf("organizations DescribeOrganizationalUnit %s: %w", aws.ToString(p.Id), err)
		}
		names = append([]string{aws.ToString(ou.OrganizationalUnit.Name)}, names...)
		child = aws.ToString(p.Id)
	}
	return strings.Join(names, "/"), parentID, true, nil
}

// tags are an account's tags.
func (op *operator) tags(ctx context.Context, account string) (map[string]string, error) {
	out := map[string]string{}
	pages := organizations.NewListTagsForResourcePaginator(op.org, &organizations.ListTagsForResourceInput{ResourceId: aws.String(account)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("organizations ListTagsForResource %s: %w", account, err)
		}
		for _, t := range page.Tags {
			out[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return out, nil
}

// assigned is one Identity Center assignment on an account, by names.
type assigned struct {
	// Kind is group or user; Name the group's display name or the user's
	// user name, Email the user's email.
	Kind, Name, Email, PermissionSet string
}

func (a assigned) String() string { return a.Kind + " " + a.Name + ": " + a.PermissionSet }

// assignments lists every Identity Center assignment on an account, as an
// operator would: each permission set's assignments on it, with the
// principals' names from the identity store.
func (op *operator) assignments(ctx context.Context, account string) ([]assigned, error) {
	inst, err := op.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		return nil, fmt.Errorf("sso-admin ListInstances: %w", err)
	}
	if len(inst.Instances) == 0 {
		return nil, errors.New("sso-admin ListInstances: no Identity Center instance")
	}
	instance, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	var out []assigned
	sets := ssoadmin.NewListPermissionSetsPaginator(op.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: instance})
	for sets.HasMorePages() {
		page, err := sets.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("sso-admin ListPermissionSets: %w", err)
		}
		for _, arn := range page.PermissionSets {
			ps, err := op.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: instance, PermissionSetArn: aws.String(arn)})
			if err != nil {
				return nil, fmt.Errorf("sso-admin DescribePermissionSet %s: %w", arn, err)
			}
			psName := aws.ToString(ps.PermissionSet.Name)
			list := ssoadmin.NewListAccountAssignmentsPaginator(op.sso, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: instance,
				AccountId: aws.String(account), PermissionSetArn: aws.String(arn)})
			for list.HasMorePages() {
				page, err := list.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("sso-admin ListAccountAssignments %s %s: %w", account, psName, err)
				}
				for _, a := range page.AccountAssignments {
					who, err := op.principal(ctx, store, string(a.PrincipalType), aws.ToString(a.PrincipalId))
					if err != nil {
						return nil, err
					}
					who.PermissionSet = psName
					out = append(out, who)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b assigned) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// principal names a group or a user of the identity store.
func (op *operator) principal(ctx context.Context, store *string, kind, id string) (assigned, error) {
	if kind == "GROUP" {
		g, err := op.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(id)})
		if err != nil {
			return assigned{}, fmt.Errorf("identitystore DescribeGroup %s: %w", id, err)
		}
		return assigned{Kind: "group", Name: aws.ToString(g.DisplayName)}, nil
	}
	u, err := op.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(id)})
	if err != nil {
		return assigned{}, fmt.Errorf("identitystore DescribeUser %s: %w", id, err)
	}
	who := assigned{Kind: "user", Name: aws.ToString(u.UserName)}
	for _, m := range u.Emails {
		if m.Primary || who.Email == "" {
			who.Email = aws.ToString(m.Value)
		}
	}
	return who, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
