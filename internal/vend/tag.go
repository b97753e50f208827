package vend

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Tag sets and removes the account's tags. Setting a tag to the value it
// has and removing one that is gone are both success.
func (d *Deps) Tag(ctx context.Context, doc *Doc) (*Doc, error) {
	plan := doc.Plan
	if plan == nil || doc.AccountID == "" || (len(plan.SetTags) == 0 && len(plan.RemoveTags) == 0) {
		return doc, nil
	}
	if len(plan.SetTags) > 0 {
		var tags []orgtypes.Tag
		for _, k := range sortedKeys(plan.SetTags) {
			tags = append(tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(plan.SetTags[k])})
		}
		if _, err := d.Org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(doc.AccountID), Tags: tags}); err != nil {
			return nil, awsErr("organizations:TagResource", err)
		}
	}
	if len(plan.RemoveTags) > 0 {
		if _, err := d.Org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(doc.AccountID), TagKeys: plan.RemoveTags}); err != nil {
			return nil, awsErr("organizations:UntagResource", err)
		}
	}
	d.logger(doc, "tag").Info("account tagged", "accountId", doc.AccountID, "set", len(plan.SetTags), "removed", len(plan.RemoveTags))
	return doc, nil
}
