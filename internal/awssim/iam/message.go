package iam

// DeniedMessage renders the AccessDenied message AWS returns when identity-based
// policies deny req to principalArn, or "" when d allows it. The shape follows
// the IAM User Guide, "Troubleshooting access denied error messages"
// (troubleshoot_access-denied), "Access denied due to identity-based policies":
//
//	User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform:
//	codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action
//
//	User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform:
//	codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in an identity-based policy
//
// As in the first example, " on resource: …" is left out for an action without
// a resource ARN (Resource "" or "*").
func DeniedMessage(principalArn string, req Request, d Decision) string {
	if d.Outcome == Allow {
		return ""
	}
	msg := "User: " + principalArn + " is not authorized to perform: " + req.Action
	if req.Resource != "" && req.Resource != "*" {
		msg += " on resource: " + req.Resource
	}
	if d.Outcome == ExplicitDeny {
		return msg + " with an explicit deny in an identity-based policy"
	}
	return msg + " because no identity-based policy allows the " + req.Action + " action"
}
