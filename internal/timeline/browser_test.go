//go:build browser

package timeline_test

// The demo's timeline in a real browser: Debian's chromium, headless, with
// no network. `make browser` runs this; chromium is not a Go module, so a
// missing one fails at once, naming its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/timeline"
)

// chromium finds the browser: $CHROMIUM, else chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	name := os.Getenv("CHROMIUM")
	if name == "" {
		name = "chromium"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is missing (%v): install Debian's chromium ('apt-get install -y chromium', as .ci/run does) or set CHROMIUM to a Chromium or Chrome binary, then run 'make browser' again", name, err)
	}
	return path
}

// browse runs headless chromium on the file with args and returns its stdout.
func browse(t *testing.T, browser, file string, args ...string) []byte {
	t.Helper()
	// A guard against a hung browser, not a measurement.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(append(base, args...), "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium %s: %s", strings.Join(args, " "), stderr.String())
	return stdout.Bytes()
}

// demoTimeline runs the demo (`towervend local`: the demo world and the
// sample requests) and returns its timeline.
func demoTimeline(t *testing.T) timeline.Run {
	t.Helper()
	ctx := context.Background()
	rt, err := local.New(ctx, local.Options{})
	require.NoError(t, err)
	files, err := fs.Glob(events.FS, "requests/*.json")
	require.NoError(t, err)
	for _, f := range files {
		b, err := fs.ReadFile(events.FS, f)
		require.NoError(t, err)
		require.NoError(t, rt.Submit(ctx, b))
	}
	require.NoError(t, rt.Run(ctx))
	return rt.Timeline()
}

// probe is a script the test adds to its copy of the page: it asks the
// browser's layout what it drew, and what the pointer would hover at the
// middle of each bar, and writes the answer into the page for --dump-dom.
const probe = `<pre id="probe"></pre><script>
(function () {
  var out = {svg: !!document.querySelector("svg#timeline"), lanes: document.querySelectorAll("#timeline g.lane").length, bars: []};
  document.querySelectorAll("#timeline g.op").forEach(function (g) {
    var r = g.querySelector("rect").getBoundingClientRect();
    var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    var owner = hit && hit.closest("g.op");
    out.bars.push({request: g.getAttribute("data-request"), width: r.width, height: r.height,
      hover: owner ? owner.querySelector("title").textContent : ""});
  });
  document.getElementById("probe").textContent = JSON.stringify(out);
})();
</script>
`

type probed struct {
	SVG   bool `json:"svg"`
	Lanes int  `json:"lanes"`
	Bars  []struct {
		Request string  `json:"request"`
		Width   float64 `json:"width"`
		Height  float64 `json:"height"`
		Hover   string  `json:"hover"`
	} `json:"bars"`
}

func TestBrowserRendersTheDemoTimeline(t *testing.T) {
	browser := chromium(t)
	run := demoTimeline(t)
	require.NotEmpty(t, run.Operations)
	_, needed := timeline.Lanes(run.Operations)
	var page bytes.Buffer
	require.NoError(t, timeline.Render(&page, run))
	dir := t.TempDir()

	t.Run("layout and hover", func(t *testing.T) {
		file := filepath.Join(dir, "probed.html")
		probedPage := strings.Replace(page.String(), "</body>", probe+"</body>", 1)
		require.NoError(t, os.WriteFile(file, []byte(probedPage), 0o644))
		dom := browse(t, browser, file, "--window-size=1600,1000", "--dump-dom")
		m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindSubmatch(dom)
		require.NotNil(t, m, "the page rendered and the probe ran:\n%s", dom)
		var got probed
		require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got), string(m[1]))

		assert.True(t, got.SVG, "the DOM has the timeline's svg")
		assert.Equal(t, max(run.Slots, needed), got.Lanes, "one lane per Control Tower slot")
		require.Len(t, got.Bars, len(run.Operations), "one bar per operation")
		names := map[string]timeline.Operation{}
		for _, o := range run.Operations {
			names[o.Name()] = o
		}
		for _, b := range got.Bars {
			o, ok := names[b.Request]
			require.True(t, ok, b.Request)
			assert.Positive(t, b.Width, "%s: laid out", b.Request)
			assert.Positive(t, b.Height, "%s: laid out", b.Request)
			assert.True(t, strings.HasPrefix(b.Hover, o.Name()+": "+o.Kind), "%s: hovering the bar shows its text, which names it: %q", b.Request, b.Hover)
			assert.Contains(t, b.Hover, "outcome: "+o.Outcome)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		file := filepath.Join(dir, "page.html")
		require.NoError(t, os.WriteFile(file, page.Bytes(), 0o644))
		shot := filepath.Join(dir, "shot.png")
		browse(t, browser, file, "--window-size=1200,520", "--screenshot="+shot)
		f, err := os.Open(shot)
		require.NoError(t, err)
		defer f.Close()
		img, err := png.Decode(f)
		require.NoError(t, err)
		// The create bars' blue (#4e79a7) fills whole areas of the image: the
		// SVG was painted, not only parsed.
		blue, b := 0, img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if r>>8 == 0x4e && g>>8 == 0x79 && bl>>8 == 0xa7 {
					blue++
				}
			}
		}
		assert.Greater(t, blue, 1000, "create bars painted in the screenshot")
	})
}
