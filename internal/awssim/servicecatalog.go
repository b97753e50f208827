package awssim

// CatalogState is Service Catalog with the Control Tower Account Factory product.
type CatalogState struct{}

// catalogOps serves Service Catalog.
func (s *Sim) catalogOps() map[string]jsonOp {
	return map[string]jsonOp{}
}

// initCatalog creates the Account Factory portfolio and product, and a provisioned
// product for every account the world marks enrolled.
func (s *Sim) initCatalog(w *World) error { return nil }

// resumeCatalog reschedules account operations that were in flight when a snapshot was taken.
func (s *Sim) resumeCatalog() {}
