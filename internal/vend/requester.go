package vend

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

// requester checks who asked (policy.requesters): requester.by must be an
// IAM Identity Center user and a member of one of the groups the policy names
// for the action. The queue's allowed senders vouch for the system that sent
// the request, not for the person, and Control Tower's own rule is that only
// its AWSAccountFactory group may provision. A refusal is a problem; only
// AWS trouble is an error.
//
// Requests from lifecycle events are towervend's own (nobody asked), so they
// are not checked.
func (v *validation) requester(ctx context.Context) error {
	if v.doc.Origin == OriginLifecycle {
		return nil
	}
	rule := v.d.Policy.Requesters(v.req.Action)
	if rule.Anyone {
		return nil
	}
	by := ""
	if v.req.Requester != nil {
		by = v.req.Requester.By
	}
	// The verdict is policy's, so `towervend validate --world` words it alike.
	dir := &identityCenter{ctx: ctx, d: v.d}
	p := rule.Judge(by, dir)
	if dir.err != nil {
		return dir.err
	}
	if p != nil {
		v.problems = append(v.problems, *p)
	}
	return nil
}

// identityCenter is IAM Identity Center as a policy.Directory. The
// interface has no room for errors, so the first AWS error is kept in err
// (and the answer then means nothing).
type identityCenter struct {
	ctx context.Context
	d   *Deps
	err error
}

func (c *identityCenter) Membership(by string, groups []string) (known, member bool, absent []string) {
	userID, known, err := c.d.userID(c.ctx, by)
	if err != nil || !known {
		c.err = err
		return false, false, nil
	}
	var groupIDs []string
	for _, name := range groups {
		id, found, err := c.d.groupID(c.ctx, name)
		if err != nil {
			c.err = err
			return true, false, nil
		}
		if !found {
			absent = append(absent, name)
			continue
		}
		groupIDs = append(groupIDs, id)
	}
	if len(groupIDs) > 0 {
		member, c.err = c.d.memberOfAny(c.ctx, userID, groupIDs)
	}
	return true, member, absent
}

// memberOfAny reports whether the user is a direct member of at least one
// of the groups (IAM Identity Center has no nested groups). The policy lists
// at most 100 groups an action, IsMemberInGroups' limit, so one call answers.
func (d *Deps) memberOfAny(ctx context.Context, userID string, groupIDs []string) (bool, error) {
	inst, err := d.identityCenter(ctx)
	if err != nil {
		return false, err
	}
	if err := d.idcPacer().wait(ctx); err != nil {
		return false, err
	}
	out, err := d.Identity.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(inst.storeID),
		MemberId: &idtypes.MemberIdMemberUserId{Value: userID}, GroupIds: groupIDs})
	if err != nil {
		return false, awsErr("identitystore:IsMemberInGroups", err)
	}
	for _, r := range out.Results {
		if r.MembershipExists {
			return true, nil
		}
	}
	return false, nil
}
