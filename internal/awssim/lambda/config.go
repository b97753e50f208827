package lambda

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"time"
)

// Config is what Lambda's read calls (GetFunction, ListFunctions, …) tell of
// a function besides its name and ARN: what a deployment set on it. A zero
// member takes what Lambda's CreateFunction defaults it to, or what a Go
// stand-in plainly is (provided.al2023, handler bootstrap), so a function
// registered without a Config still answers sensibly.
type Config struct {
	// Description is the function's description ("" by default, as Lambda's).
	Description string
	// Runtime is the runtime identifier ("provided.al2023").
	Runtime string
	// Handler is the handler name ("bootstrap", what a provided runtime runs).
	Handler string
	// Architectures are the instruction sets ("arm64"; Lambda's default is x86_64).
	Architectures []string
	// Role is the execution role's ARN; by default a role named after the
	// function in its account (as the local runtime adds one per function).
	Role string
	// Timeout is how long an invocation may run (Lambda's default 3 s).
	Timeout time.Duration
	// MemoryMB is the memory in MB (Lambda's default 128).
	MemoryMB int
	// Reserved is the reserved concurrency; 0 means none is set.
	Reserved int
	// Environment holds the environment variables; none by default.
	Environment map[string]string
	// Tags are the function's tags.
	Tags map[string]string
	// TracingMode is X-Ray tracing, Active or PassThrough (the default).
	TracingMode string
	// LogGroup is where the function logs (/aws/lambda/<name> by default).
	LogGroup string
	// CodeSize and CodeSha256 describe the deployment package. A stand-in has
	// none: its size is 0 and its digest one of its ARN, stable per function.
	CodeSize   int64
	CodeSha256 string
}

// Lambda's defaults for what CreateFunction leaves out.
const (
	defaultRuntime     = "provided.al2023"
	defaultHandler     = "bootstrap"
	defaultArch        = "x86_64"
	defaultTimeout     = 3 * time.Second
	defaultMemoryMB    = 128
	defaultTracingMode = "PassThrough"
	// ephemeralStorageMB is /tmp's size, which the simulator never changes.
	ephemeralStorageMB = 512
)

// withDefaults fills in what c leaves out for the function at arn.
func (c Config) withDefaults(arn string) Config {
	p := parseARN(arn)
	if c.Runtime == "" {
		c.Runtime = defaultRuntime
	}
	if c.Handler == "" {
		c.Handler = defaultHandler
	}
	if len(c.Architectures) == 0 {
		c.Architectures = []string{defaultArch}
	} else {
		c.Architectures = append([]string(nil), c.Architectures...)
	}
	if c.Role == "" {
		c.Role = fmt.Sprintf("arn:aws:iam::%s:role/%s", p.account, p.name)
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.MemoryMB <= 0 {
		c.MemoryMB = defaultMemoryMB
	}
	if c.TracingMode == "" {
		c.TracingMode = defaultTracingMode
	}
	if c.LogGroup == "" {
		c.LogGroup = "/aws/lambda/" + p.name
	}
	if c.CodeSha256 == "" {
		sum := sha256.Sum256([]byte(arn))
		c.CodeSha256 = base64.StdEncoding.EncodeToString(sum[:])
	}
	c.Environment = maps.Clone(c.Environment)
	c.Tags = maps.Clone(c.Tags)
	return c
}

// arnParts are the parts of an unqualified function ARN.
type arnParts struct{ region, account, name string }

// parseARN splits arn:aws:lambda:<region>:<account>:function:<name>; a
// malformed ARN leaves the parts it lacks empty.
func parseARN(arn string) arnParts {
	f := strings.Split(arn, ":")
	var p arnParts
	if len(f) > 3 {
		p.region = f[3]
	}
	if len(f) > 4 {
		p.account = f[4]
	}
	if len(f) > 6 {
		p.name = f[6]
	} else {
		p.name = f[len(f)-1]
	}
	return p
}

// lastModifiedLayout is Lambda's LastModified: milliseconds and a numeric zone.
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// configuration is FunctionConfiguration as Lambda's JSON carries it, in the
// order AWS's documented answers list the members.
type configuration struct {
	FunctionName     string            `json:"FunctionName"`
	FunctionArn      string            `json:"FunctionArn"`
	Runtime          string            `json:"Runtime"`
	Role             string            `json:"Role"`
	Handler          string            `json:"Handler"`
	CodeSize         int64             `json:"CodeSize"`
	Description      string            `json:"Description"`
	Timeout          int               `json:"Timeout"`
	MemorySize       int               `json:"MemorySize"`
	LastModified     string            `json:"LastModified"`
	CodeSha256       string            `json:"CodeSha256"`
	Version          string            `json:"Version"`
	Environment      *environment      `json:"Environment,omitempty"`
	TracingConfig    map[string]string `json:"TracingConfig"`
	RevisionID       string            `json:"RevisionId"`
	State            string            `json:"State"`
	LastUpdateStatus string            `json:"LastUpdateStatus"`
	PackageType      string            `json:"PackageType"`
	Architectures    []string          `json:"Architectures"`
	EphemeralStorage map[string]int    `json:"EphemeralStorage"`
	SnapStart        map[string]string `json:"SnapStart"`
	LoggingConfig    map[string]string `json:"LoggingConfig"`
}

type environment struct {
	Variables map[string]string `json:"Variables"`
}

// configurationOf is the $LATEST configuration of the function at arn.
func configurationOf(arn string, f *function) configuration {
	c := f.config
	out := configuration{
		FunctionName: parseARN(arn).name, FunctionArn: arn,
		Runtime: c.Runtime, Role: c.Role, Handler: c.Handler, CodeSize: c.CodeSize, Description: c.Description,
		Timeout: int(c.Timeout / time.Second), MemorySize: c.MemoryMB,
		LastModified: f.modified.UTC().Format(lastModifiedLayout), CodeSha256: c.CodeSha256, Version: latest,
		TracingConfig: map[string]string{"Mode": c.TracingMode},
		RevisionID:    revisionID(arn, f.modified),
		State:         "Active", LastUpdateStatus: "Successful", PackageType: "Zip",
		Architectures:    c.Architectures,
		EphemeralStorage: map[string]int{"Size": ephemeralStorageMB},
		SnapStart:        map[string]string{"ApplyOn": "None", "OptimizationStatus": "Off"},
		LoggingConfig:    map[string]string{"LogFormat": "Text", "LogGroup": c.LogGroup},
	}
	if len(c.Environment) > 0 {
		out.Environment = &environment{Variables: c.Environment}
	}
	return out
}

// latest is the one version the simulator has.
const latest = "$LATEST"

// revisionID is a UUID-shaped id of the function's current revision, derived
// from what identifies it (not drawn from the world's rand, so that deploying
// functions does not shift every id drawn after it).
func revisionID(arn string, modified time.Time) string {
	sum := sha256.Sum256([]byte(arn + "@" + modified.UTC().Format(time.RFC3339Nano)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// codeLocation is GetFunction's Code.Location: on AWS a presigned URL of the
// package in Lambda's own bucket; the simulator has no package, so the URL
// has AWS's form and leads nowhere.
func codeLocation(arn string, f *function) string {
	p := parseARN(arn)
	return fmt.Sprintf("https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s-%s",
		p.region, p.region, p.account, p.name, revisionID(arn, f.modified))
}
