package sqs

import "github.com/towervend/towervend/internal/awssim/protocol"

// QueryNamespace and QueryVersion are SQS's Query protocol: the XML namespace
// of its answers and the API version it serves.
const (
	QueryNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"
	QueryVersion   = "2012-11-05"
)

// QueryActions serves Amazon SQS in the Query protocol. (Being written.)
func (s *Service) QueryActions() map[string]protocol.QueryHandler {
	return map[string]protocol.QueryHandler{}
}
