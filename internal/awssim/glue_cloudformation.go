package awssim

import "github.com/towervend/towervend/internal/awssim/cloudformation"

// The root's side of AWS CloudFormation (package cloudformation): recording a
// deployment made some other way as a stack. CloudFormation needs no other
// service's state, so there is no glue the other way.

type (
	// StackSpec is a deployment to record as a CloudFormation stack.
	StackSpec = cloudformation.StackSpec
	// StackResource is one resource of a recorded stack.
	StackResource = cloudformation.Resource
)

// PutStack records a deployment as the CloudFormation stack spec.Name in the
// management account and the home Region, complete at the simulated now:
// DescribeStacks, ListStacks and DescribeStackResources then answer about it
// (a second PutStack of the name makes it UPDATE_COMPLETE). It fails for a
// name CloudFormation would refuse.
func (s *Sim) PutStack(spec StackSpec) error {
	s.env.Lock()
	defer s.env.Unlock()
	return s.stacks.Put(spec)
}
