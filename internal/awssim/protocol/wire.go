package protocol

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
)

// WriteJSON writes a JSON-protocol answer.
func WriteJSON(w http.ResponseWriter, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteJSONError(w, contentType, &APIError{Code: "InternalFailure", Message: "simulator could not encode its answer: " + err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// WriteJSONError writes a JSON-protocol error: __type and message, plus the
// error shape's extra fields. A shape whose message member is "Message"
// (DynamoDB's TransactionCanceledException) carries it in Fields, and then
// no "message" is written beside it.
func WriteJSONError(w http.ResponseWriter, contentType string, e *APIError) {
	body := map[string]any{}
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	if _, ok := e.Fields["Message"]; !ok {
		body["message"] = e.Message
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Errortype", e.Code)
	if e.QueryCode != "" {
		w.Header().Set("X-Amzn-Query-Error", e.QueryCode+";Sender")
	}
	w.WriteHeader(statusOf(e))
	_, _ = w.Write(b)
}

func statusOf(e *APIError) int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// xmlErrorResponse is the Query protocol error document.
type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteXMLError writes a Query-protocol error document in the service's
// namespace. A service that has Query error codes of its own (SQS's
// "AWS.SimpleQueueService.NonExistentQueue") answers with QueryCode.
func WriteXMLError(w http.ResponseWriter, namespace, requestID string, e *APIError) {
	kind := "Sender"
	if e.Status >= 500 {
		kind = "Receiver"
	}
	code := e.Code
	if e.QueryCode != "" {
		code = e.QueryCode
	}
	b, _ := xml.Marshal(xmlErrorResponse{Namespace: namespace, Type: kind, Code: code, Message: e.Message, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(statusOf(e))
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// WriteXML writes a Query protocol answer: result must be the <ActionResult>
// element (nil: the action has no result, as SQS's DeleteMessage); it is
// wrapped in <ActionResponse> with the service's namespace and a request id.
func WriteXML(w http.ResponseWriter, action, namespace, requestID string, result any) {
	var inner []byte
	if result != nil {
		var err error
		if inner, err = xml.Marshal(result); err != nil {
			WriteXMLError(w, namespace, requestID, &APIError{Code: "InternalFailure", Message: err.Error(), Status: 500})
			return
		}
	}
	doc := fmt.Sprintf(`%s<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		xml.Header, action, namespace, inner, requestID, action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(doc))
}

// WriteBody writes v as JSON after the status line was written.
func WriteBody(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	_, _ = w.Write(b)
}

// signedServiceRe finds the signing name in a SigV4 credential scope.
var signedServiceRe = regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request`)

// SignedService is the signing name a request was signed for ("sqs", "iam"):
// what tells the services apart that share the Query protocol's POST to "/".
// Empty if the header has no SigV4 credential scope.
func SignedService(authorization string) string {
	if m := signedServiceRe.FindStringSubmatch(authorization); m != nil {
		return m[1]
	}
	return ""
}

// signedRegionRe finds the Region in a SigV4 credential scope
// (Credential=<key>/<date>/<region>/<service>/aws4_request).
var signedRegionRe = regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/([^/,\s]+)/`)

// SignedRegion is the Region a request's Authorization header was signed for,
// the Region the SDK client addresses; empty if the header has no SigV4
// credential scope.
func SignedRegion(authorization string) string {
	if m := signedRegionRe.FindStringSubmatch(authorization); m != nil {
		return m[1]
	}
	return ""
}
