package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/statemachine"
)

// Every function in the table has its main under functions/<name>, serving the
// vend.Deps method the table's handler names, and every functions/ directory
// is in the table.
func TestFunctionsMatchTheFunctionsDirectory(t *testing.T) {
	table, err := os.ReadFile("deploy.go")
	require.NoError(t, err)
	mainRe := regexp.MustCompile(`handler\.Start\("(\w+)", \(\*vend\.Deps\)\.(\w+)\)`)
	dirs, err := os.ReadDir("../../functions")
	require.NoError(t, err)
	var onDisk []string
	for _, d := range dirs {
		if d.IsDir() {
			onDisk = append(onDisk, d.Name())
		}
	}
	var inTable []string
	for _, f := range deploy.Functions {
		inTable = append(inTable, f.Name)
		assert.NotEmpty(t, f.Description, f.Name)
		assert.Positive(t, f.Timeout, f.Name)
		assert.Positive(t, f.MemoryMB, f.Name)
		require.NotNil(t, f.Handler, f.Name)
		main, err := os.ReadFile(filepath.Join("../../functions", f.Name, "main.go"))
		require.NoError(t, err, "functions/%s/main.go", f.Name)
		m := mainRe.FindStringSubmatch(string(main))
		require.NotNil(t, m, "functions/%s/main.go calls handler.Start with a vend.Deps method", f.Name)
		assert.Equal(t, f.Name, m[1], "functions/%s/main.go starts the step under its own name", f.Name)
		row := regexp.MustCompile(`\{Name: "` + f.Name + `",[^}]*Handler: serves\(\(\*vend\.Deps\)\.(\w+)\)\}`).FindSubmatch(table)
		require.NotNil(t, row, "deploy.go's row for %s", f.Name)
		assert.Equal(t, m[2], string(row[1]), "functions/%s/main.go and deploy.Functions serve the same method", f.Name)
	}
	slices.Sort(onDisk)
	slices.Sort(inTable)
	assert.Equal(t, onDisk, inTable, "functions/ and deploy.Functions list the same functions")
}

// The workflow's ${...} placeholders are exactly the table's substitutions,
// and each step's state carries the function's name (one name per step).
func TestSubstitutionsMatchTheDefinition(t *testing.T) {
	def := string(statemachine.Definition())
	var placeholders []string
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(def, -1) {
		if !slices.Contains(placeholders, m[1]) {
			placeholders = append(placeholders, m[1])
		}
	}
	var subs []string
	for key, f := range deploy.Substitutions() {
		subs = append(subs, key)
		assert.True(t, strings.HasSuffix(key, "FunctionArn"), key)
		assert.Contains(t, def, `"FunctionName": "${`+key+`}"`, "function %s", f.Name)
	}
	slices.Sort(placeholders)
	slices.Sort(subs)
	assert.Equal(t, placeholders, subs)
}

func TestQueues(t *testing.T) {
	for i, q := range deploy.Queues {
		assert.True(t, strings.HasPrefix(q.Name, deploy.Prefix+"-"), q.Name)
		assert.Positive(t, q.Retention, q.Name)
		if q.DeadLetter != nil {
			assert.GreaterOrEqual(t, q.MaxReceiveCount, 5, "aws-facts §8: maxReceiveCount at least 5")
			assert.Less(t, slices.Index(deploy.Queues, q.DeadLetter), i, "a dead-letter queue comes before the queue using it")
		}
	}
	intake, ok := deploy.FunctionNamed("intake")
	require.True(t, ok)
	assert.GreaterOrEqual(t, deploy.RequestQueue.VisibilityTimeout, 6*intake.Timeout, "aws-facts §8: visibility at least 6x the function timeout")
}
