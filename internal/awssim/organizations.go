package awssim

// organizationsOps serves AWS Organizations.
func (s *Sim) organizationsOps() map[string]jsonOp {
	return map[string]jsonOp{}
}
