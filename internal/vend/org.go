package vend

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/towervend/towervend/internal/request"
)

// orgView is what one step learned about the organization, read once per
// invocation: the OU tree, registered OUs and (when needed) every account.
type orgView struct {
	rootID     string
	ous        map[string]*ouNode // by id
	registered map[string]bool    // OU id -> AWSControlTowerBaseline enabled
	accounts   []orgtypes.Account
}

type ouNode struct {
	id, name, parent, path string
}

// loadOUs is the OU tree from the root down, read at most every lookupTTL.
func (d *Deps) loadOUs(ctx context.Context) (*orgView, error) {
	return cached(d, "ous", func() (*orgView, error) { return d.readOUs(ctx) })
}

// readOUs reads the organization's root and OU tree.
func (d *Deps) readOUs(ctx context.Context) (*orgView, error) {
	roots, err := d.Org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, awsErr("organizations:ListRoots", err)
	}
	if len(roots.Roots) == 0 {
		return nil, stepErr(ErrFailed, "organizations:ListRoots returned no root; is this the management account?")
	}
	v := &orgView{rootID: aws.ToString(roots.Roots[0].Id), ous: map[string]*ouNode{}}
	queue := []string{v.rootID}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		p := organizations.NewListOrganizationalUnitsForParentPaginator(d.Org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, awsErr("organizations:ListOrganizationalUnitsForParent", err)
			}
			for _, ou := range page.OrganizationalUnits {
				n := &ouNode{id: aws.ToString(ou.Id), name: aws.ToString(ou.Name), parent: parent}
				n.path = n.name
				if pn := v.ous[parent]; pn != nil {
					n.path = pn.path + "/" + n.name
				}
				v.ous[n.id] = n
				queue = append(queue, n.id)
			}
		}
	}
	return v, nil
}

// loadRegistered asks Control Tower which OUs have AWSControlTowerBaseline enabled.
func (d *Deps) loadRegistered(ctx context.Context, v *orgView) error {
	v.registered = map[string]bool{}
	p := controltower.NewListEnabledBaselinesPaginator(d.ControlTower, &controltower.ListEnabledBaselinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return awsErr("controltower:ListEnabledBaselines", err)
		}
		for _, b := range page.EnabledBaselines {
			if !strings.HasSuffix(aws.ToString(b.BaselineIdentifier), "/17BSJV3IGJ2QSGA2") {
				continue // only AWSControlTowerBaseline registers an OU
			}
			if b.StatusSummary != nil && b.StatusSummary.Status == cttypes.EnablementStatusFailed {
				continue
			}
			target := aws.ToString(b.TargetIdentifier)
			if i := strings.LastIndex(target, "/"); i >= 0 {
				target = target[i+1:]
			}
			v.registered[target] = true
		}
	}
	return nil
}

// loadAccounts lists every account of the organization.
func (d *Deps) loadAccounts(ctx context.Context, v *orgView) error {
	p := organizations.NewListAccountsPaginator(d.Org, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return awsErr("organizations:ListAccounts", err)
		}
		v.accounts = append(v.accounts, page.Accounts...)
	}
	return nil
}

// resolveOU finds the OU a request names, or says what is wrong and what would be right.
func (v *orgView) resolveOU(field, ref string) (*OURef, *request.Problem) {
	r := request.ParseOURef(ref)
	switch {
	case r.ID != "":
		n := v.ous[r.ID]
		if n == nil {
			return nil, &request.Problem{Field: field, Value: ref, Message: fmt.Sprintf("no OU with id %s in the organization", r.ID),
				Fix: "use one of: " + v.ouChoices()}
		}
		if r.Name != "" && r.Name != n.name {
			return nil, &request.Problem{Field: field, Value: ref, Message: fmt.Sprintf("OU %s is named %q, not %q", r.ID, n.name, r.Name),
				Fix: fmt.Sprintf("write %q", n.name+" ("+n.id+")")}
		}
		return &OURef{ID: n.id, Name: n.name, Path: n.path}, nil
	case r.IsPath():
		want := r.PathString()
		for _, n := range v.sortedOUs() {
			if n.path == want {
				return &OURef{ID: n.id, Name: n.name, Path: n.path}, nil
			}
		}
		// A bare name that exists deeper, maybe more than once: say where.
		last := r.Path[len(r.Path)-1]
		var candidates []string
		for _, n := range v.sortedOUs() {
			if n.name == last {
				candidates = append(candidates, n.path)
			}
		}
		if len(candidates) > 0 {
			return nil, &request.Problem{Field: field, Value: ref, Message: fmt.Sprintf("no OU at path %q from Root", want),
				Fix: "write the full path from Root: " + strings.Join(candidates, " or ")}
		}
		return nil, &request.Problem{Field: field, Value: ref, Message: fmt.Sprintf("no OU at path %q from Root", want),
			Fix: "use one of: " + v.ouChoices()}
	}
	return nil, &request.Problem{Field: field, Value: ref, Message: "no organizational unit given", Fix: "give a path from Root such as Workloads/Prod"}
}

func (v *orgView) sortedOUs() []*ouNode {
	out := make([]*ouNode, 0, len(v.ous))
	for _, n := range v.ous {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// ouChoices lists the registered OUs (all OUs when registration is unknown).
func (v *orgView) ouChoices() string {
	var names []string
	for _, n := range v.sortedOUs() {
		if v.registered == nil || v.registered[n.id] {
			names = append(names, n.path)
		}
	}
	return strings.Join(names, ", ")
}

// ouOfParent maps a parent id to the resolved OU (nil for Root).
func (v *orgView) ouOfParent(id string) *OURef {
	if n := v.ous[id]; n != nil {
		return &OURef{ID: n.id, Name: n.name, Path: n.path}
	}
	return nil
}

// accountParent returns an account's parent id.
func (d *Deps) accountParent(ctx context.Context, accountID string) (string, error) {
	out, err := d.Org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(accountID)})
	if err != nil {
		return "", awsErr("organizations:ListParents", err)
	}
	if len(out.Parents) == 0 {
		return "", stepErr(ErrFailed, "account %s has no parent in the organization", accountID)
	}
	return aws.ToString(out.Parents[0].Id), nil
}

// describeAccount returns the account, or nil when it is not in the organization.
func (d *Deps) describeAccount(ctx context.Context, id string) (*orgtypes.Account, error) {
	out, err := d.Org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	var nf *orgtypes.AccountNotFoundException
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, awsErr("organizations:DescribeAccount", err)
	}
	return out.Account, nil
}

// accountTags returns the account's tags.
func (d *Deps) accountTags(ctx context.Context, id string) (map[string]string, error) {
	tags := map[string]string{}
	p := organizations.NewListTagsForResourcePaginator(d.Org, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsErr("organizations:ListTagsForResource", err)
		}
		for _, t := range page.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}
