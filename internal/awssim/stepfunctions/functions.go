package stepfunctions

import (
	"sort"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Functions is the registry of Go handlers standing in for Lambda functions,
// by ARN: EventBridge targets and Step Functions tasks that name an ARN invoke
// its handler in process. The zero value is empty and ready. The Env's lock
// guards it: every method runs with the lock held.
type Functions struct {
	m map[string]protocol.Function
}

// Register makes arn invokable. Registering an ARN again replaces its handler.
func (f *Functions) Register(arn string, fn protocol.Function) {
	if f.m == nil {
		f.m = map[string]protocol.Function{}
	}
	f.m[arn] = fn
}

// Function returns the handler registered for arn, or nil.
func (f *Functions) Function(arn string) protocol.Function { return f.m[arn] }

// ARNs lists the registered function ARNs, sorted.
func (f *Functions) ARNs() []string {
	out := make([]string, 0, len(f.m))
	for arn := range f.m {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

// lookup resolves a Task's FunctionName: a registered ARN, or else a bare
// name or partial ARN matching the end of a registered ARN.
func (f *Functions) lookup(name string) protocol.Function {
	fn := f.Function(name)
	if fn == nil {
		// FunctionName may be a bare name or partial ARN: match the end of a registered ARN.
		for arn, h := range f.m {
			if strings.HasSuffix(arn, ":function:"+name) || strings.HasSuffix(arn, ":"+name) {
				fn = h
			}
		}
	}
	return fn
}
