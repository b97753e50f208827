package awssim

// ssoAdminOps serves IAM Identity Center's sso-admin API.
func (s *Sim) ssoAdminOps() map[string]jsonOp {
	return map[string]jsonOp{}
}

// identityStoreOps serves the Identity Store API.
func (s *Sim) identityStoreOps() map[string]jsonOp {
	return map[string]jsonOp{}
}
