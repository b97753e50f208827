package awssim

import (
	"encoding/json"
	"slices"
)

// decode and containsString were EventBridge's and are still used by
// controltowerapi.go; they go when it moves to protocol.Op.

func decode(body []byte, v any) *APIError {
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{Code: "SerializationException", Message: "Could not parse the request: " + err.Error(), Status: 400}
	}
	return nil
}

func containsString(list []string, v string) bool { return slices.Contains(list, v) }
