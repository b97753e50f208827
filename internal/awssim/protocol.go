package awssim

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// APIError is an AWS error as the simulator returns it. The SDK turns Code into
// the service's typed error (e.g. types.ResourceNotFoundException), so Code must
// be the exact shape name from the service model.
type APIError struct {
	Code    string
	Message string
	Status  int
	// QueryCode is sent in the x-amzn-query-error header by services that kept
	// their Query-protocol error codes when moving to JSON (SQS), e.g.
	// "AWS.SimpleQueueService.NonExistentQueue".
	QueryCode string
	// Fields are extra members of the error shape (e.g. "Reason" on
	// Organizations' ConstraintViolationException).
	Fields map[string]any
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// apiErr builds an APIError with a 400 status.
func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// Epoch is a timestamp as the AWS JSON protocols send it: seconds since the
// Unix epoch, with fractions.
type Epoch time.Time

// MarshalJSON implements json.Marshaler.
func (e Epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		var s string
		if err2 := json.Unmarshal(b, &s); err2 != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		*e = Epoch(t)
		return nil
	}
	sec, frac := math.Modf(f)
	*e = Epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

// Time returns e as a time.Time.
func (e Epoch) Time() time.Time { return time.Time(e) }

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, contentType, &APIError{Code: "InternalFailure", Message: "simulator could not encode its answer: " + err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeJSONError(w http.ResponseWriter, contentType string, e *APIError) {
	body := map[string]any{}
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	body["message"] = e.Message
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Errortype", e.Code)
	if e.QueryCode != "" {
		w.Header().Set("X-Amzn-Query-Error", e.QueryCode+";Sender")
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// xmlErrorResponse is the Query protocol (STS) error document.
type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func writeXMLError(w http.ResponseWriter, requestID string, e *APIError) {
	kind := "Sender"
	if e.Status >= 500 {
		kind = "Receiver"
	}
	b, _ := xml.Marshal(xmlErrorResponse{Type: kind, Code: e.Code, Message: e.Message, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeXML writes a Query protocol answer: v must be the <ActionResult> element;
// it is wrapped in <ActionResponse> with the service's namespace and a request id.
func writeXML(w http.ResponseWriter, action, namespace, requestID string, result any) {
	inner, err := xml.Marshal(result)
	if err != nil {
		writeXMLError(w, requestID, &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500})
		return
	}
	doc := fmt.Sprintf(`<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, namespace, inner, requestID, action)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(doc))
}

// pageOf returns the slice of items for a NextToken/MaxResults style page. The
// token is the decimal offset, which callers treat as opaque. ok is false for a
// token this simulator did not hand out; the caller answers with its service's
// validation error.
func pageOf[T any](items []T, nextToken string, maxResults int, defaultMax int) (page []T, next string, ok bool) {
	start := 0
	if nextToken != "" {
		n, err := strconv.Atoi(nextToken)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", false
		}
		start = n
	}
	limit := defaultMax
	if maxResults > 0 {
		limit = maxResults
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, true
}
