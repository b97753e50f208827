package cloudformation

import (
	"fmt"
	"net/url"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of CloudFormation's read actions, as "Actions, resources,
// and condition keys for AWS CloudFormation" lists them: DescribeStacks and
// DescribeStackResources are on the stack
// (arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>); a stack that
// does not exist is named with the id a wildcard. DescribeStacks without a
// StackName describes every stack, which the DescribeStacks page says needs
// cloudformation:ListStacks as well; ListStacks has no resource type.

func (s *Service) onDescribeStacks(c *protocol.Call, form url.Values) []protocol.Access {
	if form.Get("StackName") == "" {
		return []protocol.Access{protocol.On(protocol.AnyResource),
			{Action: "cloudformation:ListStacks", Resource: protocol.AnyResource}}
	}
	return s.onStack(c, form)
}

func (s *Service) onStack(c *protocol.Call, form url.Values) []protocol.Access {
	name := form.Get("StackName")
	if name == "" {
		// Found by a physical resource id: the stack is known only once found.
		return []protocol.Access{protocol.On(protocol.AnyResource)}
	}
	if st := s.find(c, name); st != nil {
		return []protocol.Access{protocol.On(st.ID)}
	}
	region := c.Region
	if region == "" {
		region = s.env.Region
	}
	return []protocol.Access{protocol.On(fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/*", region, c.Caller.AccountID, name))}
}
