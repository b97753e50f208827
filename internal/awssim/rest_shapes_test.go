package awssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertShape checks that got has every member of shape (testdata/shapes)
// with its JSON type; at names where it is.
func assertShape(t *testing.T, shape, got any, at string) {
	t.Helper()
	switch want := shape.(type) {
	case string:
		var ok bool
		switch want {
		case "string":
			_, ok = got.(string)
		case "number":
			_, ok = got.(float64)
		case "boolean":
			_, ok = got.(bool)
		default:
			t.Fatalf("%s: shape type %q is not string, number or boolean", at, want)
		}
		assert.True(t, ok, "%s: want a %s, got %#v", at, want, got)
	case map[string]any:
		obj, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: want an object, got %#v", at, got) {
			return
		}
		for k, sub := range want {
			v, present := obj[k]
			if assert.True(t, present, "%s.%s is missing", at, k) {
				assertShape(t, sub, v, at+"."+k)
			}
		}
	case []any:
		arr, ok := got.([]any)
		if !assert.True(t, ok, "%s: want an array, got %#v", at, got) || !assert.NotEmpty(t, arr, "%s: want elements", at) {
			return
		}
		for i, v := range arr {
			assertShape(t, want[0], v, fmt.Sprintf("%s[%d]", at, i))
		}
	}
}

func loadShape(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "shapes", name))
	require.NoError(t, err)
	var shape any
	require.NoError(t, json.Unmarshal(b, &shape))
	return shape
}

// rawJSON sends a signed request and decodes the answer, which must be a 200
// with a request id.
func rawJSON(t *testing.T, s *Sim, service, method, path, body string) map[string]any {
	t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	resp := signedCall(t, s, service, method, path, contentType, "", body)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, resp.Header.Get("X-Amzn-Requestid"))
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLambdaAnswersHaveAWSsShape(t *testing.T) {
	s, _ := newTestSim(t, nil)
	s.DeployFunction(lambdaARN(s, "towervend-gate"), noop, deployedGate)
	s.RegisterFunction(lambdaARN(s, "stand-in"), noop)

	t.Run("GetFunction", func(t *testing.T) {
		got := rawJSON(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/towervend-gate", "")
		assertShape(t, loadShape(t, "lambda-get-function.json"), got, "GetFunction")
		conf := got["Configuration"].(map[string]any)
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`, conf["LastModified"])
		assert.Regexp(t, `^[A-Za-z0-9+/]{43}=$`, conf["CodeSha256"], "a base64 SHA-256")
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, conf["RevisionId"])
		assert.Equal(t, "$LATEST", conf["Version"])
		assert.Equal(t, "S3", got["Code"].(map[string]any)["RepositoryType"])
		assert.Equal(t, map[string]any{"Variables": map[string]any{"TOWERVEND_REGION": "eu-west-1"}}, conf["Environment"])
		assert.Equal(t, map[string]any{"app": "towervend"}, got["Tags"])
	})
	t.Run("GetFunction of a function without reserved concurrency or tags", func(t *testing.T) {
		got := rawJSON(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/stand-in", "")
		assert.Equal(t, []string{"Code", "Configuration"}, keys(got), "no Concurrency, no Tags")
		assert.NotContains(t, got["Configuration"], "Environment")
	})
	t.Run("ListFunctions", func(t *testing.T) {
		got := rawJSON(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/", "")
		assertShape(t, loadShape(t, "lambda-list-functions.json"), got, "ListFunctions")
		assert.Len(t, got["Functions"], 2)
		assert.NotContains(t, got, "NextMarker", "one page")
	})
	t.Run("an escaped ARN in the path", func(t *testing.T) {
		got := rawJSON(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Atowervend-gate/configuration", "")
		assert.Equal(t, "towervend-gate", got["FunctionName"])
	})
	t.Run("an unknown function", func(t *testing.T) {
		resp := signedCall(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/nope", "", "", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, "ResourceNotFoundException", resp.Header.Get("X-Amzn-Errortype"))
		var e map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		assert.Equal(t, "Function not found: "+lambdaARN(s, "nope"), e["Message"])
		assert.Equal(t, "User", e["Type"])
	})
	t.Run("an unserved path of a function", func(t *testing.T) {
		resp := signedCall(t, s, "lambda", http.MethodGet, "/2015-03-31/functions/towervend-gate/policy", "", "", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, "UnknownOperationException", resp.Header.Get("X-Amzn-Errortype"))
	})
}

func TestControlTowerAnswersHaveAWSsShape(t *testing.T) {
	s, _ := newTestSim(t, nil)

	lzs := rawJSON(t, s, "controltower", http.MethodPost, "/list-landingzones", "{}")
	assertShape(t, loadShape(t, "controltower-list-landing-zones.json"), lzs, "ListLandingZones")
	require.Len(t, lzs["landingZones"], 1)
	lz := lzs["landingZones"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"arn"}, keys(lz), "a landing zone summary is its ARN alone")
	assert.Equal(t, []string{"landingZones"}, keys(lzs), "one landing zone: no nextToken")

	arn := lz["arn"].(string)
	got := rawJSON(t, s, "controltower", http.MethodPost, "/get-landingzone", `{"landingZoneIdentifier":"`+arn+`"}`)
	assertShape(t, loadShape(t, "controltower-get-landing-zone.json"), got, "GetLandingZone")
	manifest := got["landingZone"].(map[string]any)["manifest"].(map[string]any)
	assert.Equal(t, "222233334444", manifest["centralizedLogging"].(map[string]any)["accountId"], "the demo world's log-archive account")
	assert.Equal(t, "333344445555", manifest["securityRoles"].(map[string]any)["accountId"], "the demo world's audit account")
	assert.Equal(t, map[string]any{"name": "Security"}, manifest["organizationStructure"].(map[string]any)["security"])

	controls := rawJSON(t, s, "controltower", http.MethodPost, "/list-enabled-controls",
		`{"targetIdentifier":"`+s.OUArn("ou-nw7k-wklprod1")+`"}`)
	assertShape(t, loadShape(t, "controltower-list-enabled-controls.json"), controls, "ListEnabledControls")

	baselines := rawJSON(t, s, "controltower", http.MethodPost, "/list-baselines", "{}")
	assertShape(t, loadShape(t, "controltower-list-baselines.json"), baselines, "ListBaselines")
	var names []string
	for _, b := range baselines["baselines"].([]any) {
		names = append(names, b.(map[string]any)["name"].(string))
	}
	for _, want := range []string{"AWSControlTowerBaseline", "AuditBaseline", "LogArchiveBaseline", "IdentityCenterBaseline", "BackupBaseline"} {
		assert.True(t, slices.Contains(names, want), "ListBaselines lists %s", want)
	}
}
