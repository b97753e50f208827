package sqs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- queue operations ---

type createQueueInput struct {
	QueueName  string
	Attributes map[string]string
	Tags       map[string]string `json:"tags"`
}

func (s *Service) createQueue(c *protocol.Call, in createQueueInput) (any, *protocol.APIError) {
	fifo := strings.HasSuffix(in.QueueName, ".fifo")
	if in.Attributes["FifoQueue"] == "true" && !fifo || fifo && in.Attributes["FifoQueue"] != "true" || fifo && !fifoNameRe.MatchString(in.QueueName) {
		return nil, apiError("InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	}
	if !fifo && !queueNameRe.MatchString(in.QueueName) {
		return nil, apiError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	account := c.Caller.AccountID
	key := account + "/" + in.QueueName
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", s.env.Region, account, in.QueueName)
	attrs, aerr := s.normalizeAttrs(in.Attributes, fifo, true, arn)
	if aerr != nil {
		return nil, aerr
	}
	if q := s.state.Queues[key]; q != nil {
		// Idempotent when every attribute given has the value in force.
		for _, name := range sortedKeys(attrs) {
			if cur, _ := q.attribute(name, c.Now); cur != attrs[name] {
				return nil, apiError("QueueNameExists", "A queue already exists with the same name and a different value for attribute %s", name)
			}
		}
		return map[string]string{"QueueUrl": s.queueURL(c, q)}, nil
	}
	if _, ok := s.state.Deleted[key]; ok {
		return nil, apiError("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
	}
	q := &Queue{Name: in.QueueName, AccountID: account, Arn: arn, Created: c.Now, Modified: c.Now,
		Attributes: standardDefaults(), Tags: map[string]string{}, Messages: []*QueueMessage{}}
	if fifo {
		q.Attributes["FifoQueue"] = "true"
		q.Attributes["ContentBasedDeduplication"] = "false"
		q.Attributes["DeduplicationScope"] = "queue"
		q.Attributes["FifoThroughputLimit"] = "perQueue"
		q.Dedup = map[string]QueueDedup{}
	}
	q.setAttrs(attrs)
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	s.state.Queues[key] = q
	return map[string]string{"QueueUrl": s.queueURL(c, q)}, nil
}

type getQueueURLInput struct {
	QueueName              string
	QueueOwnerAWSAccountId string
}

func (s *Service) getQueueURL(c *protocol.Call, in getQueueURLInput) (any, *protocol.APIError) {
	account := in.QueueOwnerAWSAccountId
	if account == "" {
		account = c.Caller.AccountID
	}
	q := s.state.Queues[account+"/"+in.QueueName]
	if q == nil {
		return nil, noQueue()
	}
	return map[string]string{"QueueUrl": s.queueURL(c, q)}, nil
}

type getQueueAttributesInput struct {
	QueueUrl       string
	AttributeNames []string
}

func (s *Service) getQueueAttributes(c *protocol.Call, in getQueueAttributesInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	names := in.AttributeNames
	if slices.Contains(names, "All") {
		names = append(sortedKeys(q.Attributes), computedAttrs()...)
	}
	out := map[string]string{}
	for _, name := range names {
		v, ok := q.attribute(name, c.Now)
		if !ok {
			if _, _, numeric := intRange(name); !numeric && !knownQueueAttr(name) {
				return nil, apiError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			continue // a known attribute this queue does not have, e.g. RedrivePolicy
		}
		out[name] = v
	}
	if len(out) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func knownQueueAttr(name string) bool {
	switch name {
	case "Policy", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication",
		"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled":
		return true
	}
	return slices.Contains(computedAttrs(), name)
}

type setQueueAttributesInput struct {
	QueueUrl   string
	Attributes map[string]string
}

func (s *Service) setQueueAttributes(c *protocol.Call, in setQueueAttributesInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	attrs, aerr := s.normalizeAttrs(in.Attributes, q.fifo(), false, q.Arn)
	if aerr != nil {
		return nil, aerr
	}
	q.setAttrs(attrs)
	q.Modified = c.Now
	return struct{}{}, nil
}

type listQueuesInput struct {
	QueueNamePrefix string
	NextToken       string
	MaxResults      *int
}

func (s *Service) listQueues(c *protocol.Call, in listQueuesInput) (any, *protocol.APIError) {
	var urls []string
	for _, key := range sortedKeys(s.state.Queues) {
		q := s.state.Queues[key]
		if q.AccountID == c.Caller.AccountID && strings.HasPrefix(q.Name, in.QueueNamePrefix) {
			urls = append(urls, s.queueURL(c, q))
		}
	}
	return pageURLs(urls, "QueueUrls", in.NextToken, in.MaxResults)
}

// pageURLs pages a list of URLs the SQS way: without MaxResults the answer holds
// up to 1,000 and no NextToken.
func pageURLs(urls []string, member, token string, maxResults *int) (any, *protocol.APIError) {
	out := map[string]any{}
	if maxResults == nil {
		if len(urls) > 1000 {
			urls = urls[:1000]
		}
		if len(urls) > 0 || member == "queueUrls" {
			out[member] = nonNil(urls)
		}
		return out, nil
	}
	if *maxResults < 1 || *maxResults > 1000 {
		return nil, apiError("InvalidParameterValue", "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *maxResults)
	}
	page, next, ok := protocol.PageOf(urls, token, *maxResults, 1000)
	if !ok {
		return nil, apiError("InvalidParameterValue", "Invalid NextToken value.")
	}
	if len(page) > 0 || member == "queueUrls" {
		out[member] = nonNil(page)
	}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type listDeadLetterSourceQueuesInput struct {
	QueueUrl   string
	NextToken  string
	MaxResults *int
}

func (s *Service) listDeadLetterSourceQueues(c *protocol.Call, in listDeadLetterSourceQueuesInput) (any, *protocol.APIError) {
	dlq, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	var urls []string
	for _, q := range s.deadLetterSources(dlq) {
		urls = append(urls, s.queueURL(c, q))
	}
	return pageURLs(urls, "queueUrls", in.NextToken, in.MaxResults)
}

type deleteQueueInput struct{ QueueUrl string }

func (s *Service) deleteQueue(c *protocol.Call, in deleteQueueInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.state.Queues, q.key())
	s.state.Deleted[q.key()] = c.Now
	return struct{}{}, nil
}

type purgeQueueInput struct{ QueueUrl string }

func (s *Service) purgeQueue(c *protocol.Call, in purgeQueueInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if !q.PurgedAt.IsZero() && q.PurgedAt.Add(purgeWait).After(c.Now) {
		return nil, apiError("PurgeQueueInProgress", "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.Name)
	}
	q.PurgedAt = c.Now
	q.Messages = []*QueueMessage{}
	return struct{}{}, nil
}

type tagQueueInput struct {
	QueueUrl string
	Tags     map[string]string
}

func (s *Service) tagQueue(c *protocol.Call, in tagQueueInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if q.Tags == nil {
		q.Tags = map[string]string{}
	}
	if len(q.Tags)+len(in.Tags) > 50 {
		return nil, apiError("InvalidParameterValue", "Too many tags added for queue %s.", q.Name)
	}
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	return struct{}{}, nil
}

type untagQueueInput struct {
	QueueUrl string
	TagKeys  []string
}

func (s *Service) untagQueue(c *protocol.Call, in untagQueueInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	for _, k := range in.TagKeys {
		delete(q.Tags, k)
	}
	return struct{}{}, nil
}

type listQueueTagsInput struct{ QueueUrl string }

func (s *Service) listQueueTags(c *protocol.Call, in listQueueTagsInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if len(q.Tags) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Tags": q.Tags}, nil
}
