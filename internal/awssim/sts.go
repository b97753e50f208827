package awssim

// stsOps serves AWS STS (Query protocol).
func (s *Sim) stsOps() map[string]queryOp {
	return map[string]queryOp{}
}
