package timeline

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// node is an element of the rendered document.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) hasClass(c string) bool { return slices.Contains(strings.Fields(n.attr("class")), c) }

// all lists n and its descendants that match.
func (n node) all(match func(node) bool) []node {
	var out []node
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.all(match)...)
	}
	return out
}

// title is the text of n's <title> child, which must come first to name n.
func (n node) title(t *testing.T) string {
	t.Helper()
	require.NotEmpty(t, n.Nodes)
	require.Equal(t, "title", n.Nodes[0].XMLName.Local, "the hover text is the element's first child")
	return n.Nodes[0].Text
}

func elem(name, class string) func(node) bool {
	return func(n node) bool { return n.XMLName.Local == name && (class == "" || n.hasClass(class)) }
}

// render renders r and parses the page, which must be well-formed XML.
func render(t *testing.T, r Run) (node, string) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Render(&b, r))
	var doc node
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc), "the page parses as XML")
	require.Equal(t, "html", doc.XMLName.Local)
	return doc, b.String()
}

// sampleRun is a small run with one of everything.
func sampleRun() Run {
	return Run{
		Title: "sample", Start: at(0), End: at(600), Slots: 3,
		Operations: []Operation{
			{RequestID: "CHG1001", Kind: KindCreate, Account: "111111111111 (payments-dev)", Record: "rec-1", Start: at(0), End: at(300), Outcome: OutcomeSucceeded},
			{RequestID: "CHG1002", Kind: KindEnroll, Account: "222222222222 (legacy)", Record: "rec-2", Start: at(10), End: at(250), Outcome: OutcomeFailed,
				Reason: "InternalFailure: AWS Control Tower could not apply the AWSControlTowerBaseline"},
			{RequestID: "CHG1003", Kind: KindUpdate, Record: "rec-3", Start: at(300), End: at(301), Outcome: OutcomeSucceeded}, // too narrow for its label
			{Label: "analytics-prod", Kind: KindCreate, Record: "rec-4", Start: at(20), Outcome: OutcomeRunning},               // still running
		},
		Marks: []Mark{
			{Kind: MarkWait, RequestID: "CHG1003", At: at(0), Until: at(300)},
			{Kind: MarkRetry, RequestID: "CHG1001", At: at(100), Detail: "Provision: Lambda.ServiceException: boom"},
			{Kind: MarkRetry, RequestID: "CHG1003", At: at(100).Add(time.Second), Detail: "Provision: Lambda.ServiceException: again"},
			{Kind: MarkRetry, RequestID: "CHG1003", At: at(500), Detail: "MoveOU: throttled"},
			{Kind: MarkRestart, RequestID: "CHG1003", At: at(200), Detail: "Control Tower refused the operation"},
			{Kind: MarkFailure, RequestID: "CHG1002", At: at(251), Detail: "the baseline failed; redrive"},
		},
		Queue: []Sample{{At: at(0), Waiting: 1}, {At: at(300), Waiting: 0}},
	}
}

// The page has one lane per slot, one bar per operation in its lane, each
// with hover text naming its request, kind, account, times, outcome and
// reason, labels where they fit, failed bars marked, and nothing fetched.
func TestRenderDrawsLanesBarsAndHoverText(t *testing.T) {
	r := sampleRun()
	doc, page := render(t, r)
	svgs := doc.all(elem("svg", ""))
	require.Len(t, svgs, 1)
	svg := svgs[0]
	assert.Equal(t, "http://www.w3.org/2000/svg", svg.XMLName.Space)

	lanes := svg.all(elem("g", "lane"))
	require.Len(t, lanes, 3)
	for i, l := range lanes {
		assert.Equal(t, []string{"slot " + string(rune('1'+i))}, texts(l))
	}

	bars := svg.all(elem("g", "op"))
	require.Len(t, bars, len(r.Operations))
	byName := map[string]node{}
	for _, b := range bars {
		byName[b.attr("data-request")] = b
	}

	create := byName["CHG1001"]
	tip := create.title(t)
	for _, want := range []string{"CHG1001: create, slot 1", "account 111111111111 (payments-dev)", "09:00:00 → 14:00:00 UTC (+0:00:00 → +5:00:00), 5h0m0s", "outcome: succeeded", "record rec-1"} {
		assert.Contains(t, tip, want)
	}
	assert.True(t, create.hasClass("k-create"))
	assert.False(t, create.hasClass("failed"))
	assert.Equal(t, []string{"CHG1001"}, texts(create), "a wide bar carries its request id")

	failed := byName["CHG1002"]
	assert.True(t, failed.hasClass("failed"))
	assert.Equal(t, "2", failed.attr("data-slot"), "it overlaps CHG1001, so it takes the next slot")
	assert.Contains(t, failed.title(t), "outcome: failed\nreason: InternalFailure: AWS Control Tower could not apply the AWSControlTowerBaseline")

	narrow := byName["CHG1003"]
	assert.Empty(t, texts(narrow), "a bar too narrow for its label has none")
	assert.Contains(t, narrow.title(t), "waited 5h0m0s for a slot before it")

	running := byName["analytics-prod"]
	assert.True(t, running.hasClass("running"))
	assert.True(t, running.hasClass("foreign"))
	assert.Contains(t, running.title(t), "analytics-prod: create (started outside towervend)")
	assert.Contains(t, running.title(t), "+0:20:00 → +10:00:00", "a running operation is drawn to the end")

	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(", "src=", "href="} {
		assert.NotContains(t, page, bad, "the page loads nothing")
	}
	assert.Equal(t, 1, strings.Count(page, "http"), "the only address is the SVG namespace")
}

func texts(n node) []string {
	var out []string
	for _, t := range n.all(elem("text", "")) {
		out = append(out, t.Text)
	}
	return out
}

// Retries close together share a glyph whose hover text lists them; marks
// apart get their own; each kind has its row.
func TestRenderMarks(t *testing.T) {
	doc, _ := render(t, sampleRun())
	retries := doc.all(elem("g", "retry"))
	require.Len(t, retries, 2)
	assert.Equal(t, "2", retries[0].attr("data-count"))
	assert.Equal(t, "2 × retry\n10:40:00 CHG1001 (+1:40:00): Provision: Lambda.ServiceException: boom\n10:40:01 CHG1003 (+1:40:01): Provision: Lambda.ServiceException: again", retries[0].title(t))
	assert.Equal(t, "1", retries[1].attr("data-count"))
	assert.Equal(t, "17:20:00 CHG1003 (+8:20:00): MoveOU: throttled", retries[1].title(t))

	restarts := doc.all(elem("g", "restart"))
	require.Len(t, restarts, 1)
	assert.Contains(t, restarts[0].title(t), "CHG1003 (+3:20:00): Control Tower refused the operation")
	failures := doc.all(elem("g", "failure"))
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0].title(t), "CHG1002 (+4:11:00): the baseline failed; redrive")
}

// The waiting strip is an area as high as the line was long, hovered in
// columns that name who waited.
func TestRenderWaitingStrip(t *testing.T) {
	doc, _ := render(t, sampleRun())
	strip := doc.all(func(n node) bool { return n.attr("id") == "waiting" })
	require.Len(t, strip, 1)
	assert.Contains(t, texts(strip[0]), "max 1")
	require.Len(t, strip[0].all(elem("path", "waiting")), 1)
	cols := strip[0].all(elem("rect", ""))[1:] // after the background
	require.NotEmpty(t, cols)
	for _, c := range cols {
		assert.Contains(t, c.title(t), "up to 1 waiting for a slot\nCHG1003")
	}
	// Only where someone waited (the first half of the run), not after.
	last := cols[len(cols)-1].title(t)
	assert.True(t, strings.HasPrefix(last, "+4:5"), last)
}

// Operations that overlap more than the quota get lanes of their own,
// labelled as over the quota, and the summary says so.
func TestRenderOverQuota(t *testing.T) {
	r := Run{Slots: 1, Operations: []Operation{
		{RequestID: "A", Kind: KindCreate, Start: at(0), End: at(30), Outcome: OutcomeSucceeded},
		{RequestID: "B", Kind: KindCreate, Start: at(10), End: at(40), Outcome: OutcomeSucceeded},
	}}
	doc, page := render(t, r)
	lanes := doc.all(elem("g", "lane"))
	require.Len(t, lanes, 2)
	assert.Equal(t, []string{"over quota 2"}, texts(lanes[1]))
	assert.Contains(t, page, "The operations overlapped 2 at once, more than the quota of 1.")
}

// The same run renders to the same bytes, whatever order its parts come in.
func TestRenderIsDeterministic(t *testing.T) {
	r := sampleRun()
	var a, b bytes.Buffer
	require.NoError(t, Render(&a, r))
	slices.Reverse(r.Operations)
	slices.Reverse(r.Marks)
	require.NoError(t, Render(&b, r))
	assert.Equal(t, a.String(), b.String())
}

// Odd runs still render to a page that parses: nothing at all, markup in
// names and reasons, an unknown kind, times out of order.
func TestRenderOddRuns(t *testing.T) {
	doc, _ := render(t, Run{})
	assert.Len(t, doc.all(elem("g", "lane")), 1, "no slots given: one lane")
	assert.Empty(t, doc.all(elem("g", "op")))

	doc, page := render(t, Run{Slots: 2, Operations: []Operation{
		{RequestID: `<b>&"x"`, Kind: "reboot", Start: at(10), End: at(5), Outcome: OutcomeFailed, Reason: "a < b && c > d"},
	}, Marks: []Mark{{Kind: MarkFailure, At: at(7)}, {Kind: "other", At: at(8)}}})
	assert.NotContains(t, page, "<b>")
	bars := doc.all(elem("g", "op"))
	require.Len(t, bars, 1)
	assert.Equal(t, `<b>&"x"`, bars[0].attr("data-request"))
	assert.True(t, bars[0].hasClass("k-other"))
	assert.Contains(t, bars[0].title(t), "reason: a < b && c > d")
	assert.Contains(t, doc.all(elem("g", "failure"))[0].title(t), "(no request)")
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.html")
	require.NoError(t, WriteFile(path, sampleRun()))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<svg xmlns="http://www.w3.org/2000/svg" id="timeline"`)

	err = WriteFile(filepath.Join(dir, "missing", "run.html"), sampleRun())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its directory "+filepath.Join(dir, "missing")+" does not exist: create it")
	err = CheckPath(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory: give a file name inside it")
	err = CheckPath("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no file name")
	err = CheckPath(filepath.Join(path, "x.html"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a directory")
}
