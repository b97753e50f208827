package protocol

import "strconv"

// PageOf returns the slice of items for a NextToken/MaxResults style page. The
// token is the decimal offset, which callers treat as opaque. ok is false for a
// token this simulator did not hand out; the caller answers with its service's
// validation error.
func PageOf[T any](items []T, nextToken string, maxResults int, defaultMax int) (page []T, next string, ok bool) {
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
