package vend

import (
	"time"

	"github.com/towervend/towervend/internal/clock"
)

// ProductName exposes productName to the external tests.
var ProductName = productName

// FailureNotification is the failed notification of a document, as ReportFailure builds it.
func FailureNotification(doc *Doc) Notification {
	return (&Deps{Clock: clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)}).notification(doc, StateFailed)
}
