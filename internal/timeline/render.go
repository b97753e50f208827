package timeline

import (
	"bufio"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Geometry of the picture, in CSS pixels.
const (
	marginLeft  = 130 // lane and row labels
	marginRight = 24
	lanesTop    = 40
	laneH       = 24
	laneGap     = 4
	markRowH    = 14
	stripH      = 64
	// The plot is as wide as it takes for a typical (median) bar to be
	// typicalBarW wide, within minPlotW and maxPlotW: a long benchmark stays
	// legible as thin bars instead of slivers, and the file stays small.
	minPlotW    = 1000
	maxPlotW    = 8000
	typicalBarW = 12
	// charW estimates the width of a label character at 11px, to tell
	// whether a request id fits in its bar.
	charW = 6.6
	// Marks of one kind closer than binW merge into one glyph, and the
	// waiting strip is hovered in columns of hoverW: the file grows with its
	// width, not with the number of events.
	binW   = 6
	hoverW = 8
	// listMax is how many entries a merged hover text lists.
	listMax = 8
)

// markRows are the rows of marks under the lanes, top to bottom.
var markRows = []struct{ kind, label string }{
	{MarkRetry, "retries"},
	{MarkRestart, "restarts"},
	{MarkFailure, "failures"},
}

const css = `body{margin:16px;font:13px system-ui,sans-serif;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}
p{margin:0 0 8px;color:#555}
.chart{overflow-x:auto}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#333}
.lane-bg{fill:#f4f4f4}
.grid{stroke:#ddd;stroke-width:1}
.tick{fill:#666}
.op rect{stroke:#fff;stroke-width:.5}
.op:hover rect{stroke:#000;stroke-width:1.5}
.op text{fill:#fff;pointer-events:none}
.k-create rect,.sw-create{fill:#4e79a7}
.k-enroll rect,.sw-enroll{fill:#59a14f}
.k-update rect,.sw-update{fill:#76b7b2}
.k-unmanage rect,.sw-unmanage{fill:#8c8c8c}
.k-other rect,.sw-other{fill:#bab0ac}
.op.failed rect,.sw-failed{fill:#e15759}
.op.running rect{fill-opacity:.5;stroke:#333;stroke-dasharray:3 2}
.op.running text{fill:#222}
.op.foreign rect{stroke:#333;stroke-dasharray:1 2}
.op.foreign text{font-style:italic}
.mark-retry{fill:#f28e2b}
.mark-restart{fill:#b07aa1}
.mark-failure{fill:none;stroke:#e15759;stroke-width:2.2}
.mark:hover path{stroke:#000;stroke-width:1}
.mark-failure:hover{stroke-width:3}
.waiting{fill:#edc948;fill-opacity:.7;stroke:#b8860b;stroke-width:1}
.wait-hover rect{fill:#000;fill-opacity:0}
.wait-hover rect:hover{fill-opacity:.08}
`

// CheckPath reports, before a long run, whether WriteFile could write a
// file at path: a name, in a directory that exists.
func CheckPath(path string) error {
	if path == "" {
		return errors.New("timeline: no file name: give the HTML file to write, e.g. run.html")
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("timeline file %s is a directory: give a file name inside it, e.g. %s", path, filepath.Join(path, "timeline.html"))
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("timeline file %s: its directory %s does not exist: create it or write the file elsewhere", path, dir)
	case !info.IsDir():
		return fmt.Errorf("timeline file %s: %s is not a directory: write the file elsewhere", path, dir)
	}
	return nil
}

// WriteFile renders the run into the HTML file at path, replacing it.
func WriteFile(path string, r Run) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if err := Render(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("timeline %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	return nil
}

// Render writes the run as one self-contained HTML page: inline CSS and
// SVG, no script, nothing fetched. The same run renders to the same bytes.
// The document is well-formed XML too, so tools (and tests) can parse it.
func Render(w io.Writer, r Run) error {
	p := newPicture(r)
	b := bufio.NewWriter(w)
	p.write(b)
	return b.Flush()
}

// picture is a run laid out for drawing.
type picture struct {
	run        Run
	start, end time.Time
	plotW      float64
	ops        []Operation // sorted by lane, then start
	lane       []int       // lane of ops[i]
	lanes      int         // lanes drawn
	needed     int         // lanes the operations need
	marks      []Mark      // sorted by time
	queue      []Sample    // sorted by time
}

func newPicture(r Run) *picture {
	p := &picture{run: r}
	p.start, p.end = r.span()
	// Operations still running at the end (no End) hold their slot to the end.
	for _, o := range r.Operations {
		if o.End.IsZero() || o.End.After(p.end) {
			o.End = p.end
		}
		if o.End.Before(o.Start) {
			o.End = o.Start
		}
		p.ops = append(p.ops, o)
	}
	lane, needed := Lanes(p.ops)
	idx := make([]int, len(p.ops))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(lane[a], lane[b]), p.ops[a].Start.Compare(p.ops[b].Start))
	})
	sorted := make([]Operation, len(idx))
	p.lane = make([]int, len(idx))
	for i, j := range idx {
		sorted[i], p.lane[i] = p.ops[j], lane[j]
	}
	p.ops, p.needed = sorted, needed
	p.lanes = max(r.Slots, needed, 1)

	p.marks = slices.Clone(r.Marks)
	slices.SortStableFunc(p.marks, func(a, b Mark) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.Kind, b.Kind), strings.Compare(a.RequestID, b.RequestID), strings.Compare(a.Detail, b.Detail))
	})
	p.queue = slices.Clone(r.Queue)
	slices.SortStableFunc(p.queue, func(a, b Sample) int { return a.At.Compare(b.At) })
	p.plotW = plotWidth(p.ops, p.end.Sub(p.start))
	return p
}

// plotWidth is the plot's width for operations over span.
func plotWidth(ops []Operation, span time.Duration) float64 {
	var ds []time.Duration
	for _, o := range ops {
		if d := o.End.Sub(o.Start); d > 0 {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 || span <= 0 {
		return minPlotW
	}
	slices.Sort(ds)
	w := typicalBarW * float64(span) / float64(ds[len(ds)/2])
	return min(max(w, minPlotW), maxPlotW)
}

// x is where t falls on the plot.
func (p *picture) x(t time.Time) float64 {
	f := float64(t.Sub(p.start)) / float64(p.end.Sub(p.start))
	return marginLeft + min(max(f, 0), 1)*p.plotW
}

func (p *picture) laneY(l int) float64 { return lanesTop + float64(l)*(laneH+laneGap) }

func (p *picture) marksTop() float64 { return p.laneY(p.lanes) + 8 }

func (p *picture) stripTop() float64 {
	return p.marksTop() + float64(len(markRows))*markRowH + 14
}

func (p *picture) height() float64 { return p.stripTop() + stripH + 44 }

func (p *picture) write(b *bufio.Writer) {
	title := cmp.Or(p.run.Title, "towervend run")
	width := marginLeft + p.plotW + marginRight
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/><title>%s</title>\n<style>\n%s</style></head>\n<body>\n",
		esc(title), css)
	fmt.Fprintf(b, "<h1>%s</h1>\n<p>%s</p>\n", esc(title), esc(p.summary()))
	b.WriteString("<div class=\"chart\">\n")
	fmt.Fprintf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-lanes=\"%d\" data-operations=\"%d\">\n",
		width, p.height(), width, p.height(), p.lanes, len(p.ops))
	p.writeLegend(b)
	p.writeGrid(b)
	p.writeLanes(b)
	p.writeOperations(b)
	p.writeMarks(b)
	p.writeWaiting(b)
	b.WriteString("</svg>\n</div>\n</body></html>\n")
}

// summary is the line under the title.
func (p *picture) summary() string {
	failed, running := 0, 0
	for _, o := range p.ops {
		switch o.Outcome {
		case OutcomeFailed:
			failed++
		case OutcomeRunning:
			running++
		}
	}
	counts := map[string]int{}
	for _, m := range p.marks {
		counts[m.Kind]++
	}
	peak := 0
	for _, s := range p.queue {
		peak = max(peak, s.Waiting)
	}
	s := fmt.Sprintf("%d account operations on %d Control Tower slots (%d failed", len(p.ops), p.lanes, failed)
	if running > 0 {
		s += fmt.Sprintf(", %d still running", running)
	}
	s += fmt.Sprintf("); at most %s waiting for a slot; %s, %s, %s; %s of simulated time from %s UTC.",
		plural(peak, "request"), plural(counts[MarkRetry], "retry"), plural(counts[MarkRestart], "restart"), plural(counts[MarkFailure], "failed request"),
		p.end.Sub(p.start).Round(time.Second), p.start.UTC().Format("2006-01-02 15:04:05"))
	if p.needed > max(p.run.Slots, 1) && p.run.Slots > 0 {
		s += fmt.Sprintf(" The operations overlapped %d at once, more than the quota of %d.", p.needed, p.run.Slots)
	}
	return s + " Hover over a bar or mark for details."
}

// plural writes a count of things: "1 retry", "2 retries".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if strings.HasSuffix(thing, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func (p *picture) writeLegend(b *bufio.Writer) {
	b.WriteString("<g id=\"legend\">\n")
	x := float64(marginLeft)
	y := 20.0
	swatch := func(class, label string) {
		fmt.Fprintf(b, "<rect class=\"%s\" x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\"/><text x=\"%.0f\" y=\"%.0f\">%s</text>\n", class, x, y-9, x+18, y, esc(label))
		x += 26 + float64(len(label))*charW
	}
	for _, k := range []string{KindCreate, KindEnroll, KindUpdate, KindUnmanage} {
		swatch("sw-"+k, k)
	}
	swatch("sw-failed", "failed")
	for _, r := range markRows {
		fmt.Fprintf(b, "<path class=\"mark-%s\" d=\"%s\"/><text x=\"%.0f\" y=\"%.0f\">%s</text>\n", r.kind, glyph(r.kind, x+6, y-4), x+16, y, esc(markName(r.kind)))
		x += 26 + float64(len(markName(r.kind)))*charW
	}
	fmt.Fprintf(b, "<rect class=\"waiting\" x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\"/><text x=\"%.0f\" y=\"%.0f\">waiting for a slot</text>\n", x, y-9, x+18, y)
	b.WriteString("</g>\n")
}

func markName(kind string) string {
	switch kind {
	case MarkRetry:
		return "retry"
	case MarkRestart:
		return "restart (Control Tower refused)"
	case MarkFailure:
		return "request failed"
	}
	return kind
}

// writeGrid draws the time axis: a line and a label at each tick, across
// lanes, marks and the waiting strip, in simulated time since the start.
func (p *picture) writeGrid(b *bufio.Writer) {
	span := p.end.Sub(p.start)
	step := tickStep(span, p.plotW)
	top, bottom := lanesTop-4.0, p.stripTop()+stripH
	b.WriteString("<g id=\"axis\">\n")
	for d := time.Duration(0); d <= span; d += step {
		x := p.x(p.start.Add(d))
		fmt.Fprintf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/><text class=\"tick\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n",
			x, top, x, bottom, x, bottom+14, elapsed(d, false))
	}
	fmt.Fprintf(b, "<text class=\"tick\" x=\"%d\" y=\"%.0f\">simulated time since %s UTC (hours:minutes)</text>\n", marginLeft, bottom+32, p.start.UTC().Format("15:04:05"))
	b.WriteString("</g>\n")
}

// tickSteps are the axis intervals to choose from.
var tickSteps = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour}

// tickStep is the smallest interval that leaves labels about 70px apart.
func tickStep(span time.Duration, width float64) time.Duration {
	most := max(int(width/70), 1)
	for _, s := range tickSteps {
		if int(span/s) <= most {
			return s
		}
	}
	return span / time.Duration(most)
}

// elapsed writes an elapsed duration as h:mm, or h:mm:ss with seconds.
func elapsed(d time.Duration, seconds bool) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	d = d.Truncate(time.Second) // as the clock times beside it are
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if seconds {
		return fmt.Sprintf("%s%d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%d:%02d", h, m)
}

func (p *picture) writeLanes(b *bufio.Writer) {
	b.WriteString("<g id=\"lanes\">\n")
	for l := range p.lanes {
		label := fmt.Sprintf("slot %d", l+1)
		if p.run.Slots > 0 && l >= p.run.Slots {
			label = fmt.Sprintf("over quota %d", l+1)
		}
		y := p.laneY(l)
		fmt.Fprintf(b, "<g class=\"lane\" data-slot=\"%d\"><rect class=\"lane-bg\" x=\"%d\" y=\"%.0f\" width=\"%.0f\" height=\"%d\"/><text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text></g>\n",
			l+1, marginLeft, y, p.plotW, laneH, marginLeft-8, y+laneH/2+4, label)
	}
	b.WriteString("</g>\n")
}

func (p *picture) writeOperations(b *bufio.Writer) {
	b.WriteString("<g id=\"operations\">\n")
	for i, o := range p.ops {
		x0, x1 := p.x(o.Start), p.x(o.End)
		w := max(x1-x0, 1.5) // an instant still shows
		y := p.laneY(p.lane[i]) + 2
		class := "op k-" + kindClass(o.Kind)
		switch o.Outcome {
		case OutcomeFailed:
			class += " failed"
		case OutcomeRunning:
			class += " running"
		}
		if o.RequestID == "" {
			class += " foreign" // no towervend request started it
		}
		fmt.Fprintf(b, "<g class=\"%s\" data-request=\"%s\" data-slot=\"%d\"><title>%s</title><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" rx=\"2\"/>",
			class, esc(o.Name()), p.lane[i]+1, esc(p.operationText(o, p.lane[i])), x0, y, w, laneH-4)
		if name := o.Name(); float64(len([]rune(name)))*charW+8 <= w {
			fmt.Fprintf(b, "<text x=\"%.1f\" y=\"%.0f\">%s</text>", x0+4, y+laneH/2+2, esc(name))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</g>\n")
}

// operationText is an operation's hover text.
func (p *picture) operationText(o Operation, lane int) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %s", o.Name(), cmp.Or(o.Kind, "operation"))
	if o.RequestID == "" {
		s.WriteString(" (started outside towervend)")
	}
	fmt.Fprintf(&s, ", slot %d\naccount %s\n", lane+1, cmp.Or(o.Account, "(not known)"))
	fmt.Fprintf(&s, "%s → %s UTC (%s → %s), %s\n", o.Start.UTC().Format("15:04:05"), o.End.UTC().Format("15:04:05"),
		elapsed(o.Start.Sub(p.start), true), elapsed(o.End.Sub(p.start), true), o.End.Sub(o.Start).Round(time.Second))
	fmt.Fprintf(&s, "outcome: %s", cmp.Or(o.Outcome, "unknown"))
	if o.Reason != "" {
		fmt.Fprintf(&s, "\nreason: %s", o.Reason)
	}
	if wait := p.waitedBefore(o); wait > 0 {
		fmt.Fprintf(&s, "\nwaited %s for a slot before it", wait.Round(time.Second))
	}
	if o.Record != "" {
		fmt.Fprintf(&s, "\nrecord %s", o.Record)
	}
	return s.String()
}

// waitedBefore is how long the operation's request waited for a slot
// between its previous operation and this one's start.
func (p *picture) waitedBefore(o Operation) time.Duration {
	if o.RequestID == "" {
		return 0
	}
	var since time.Time
	for _, q := range p.ops {
		if q.RequestID == o.RequestID && q.Start.Before(o.Start) && q.Start.After(since) {
			since = q.Start
		}
	}
	var d time.Duration
	for _, m := range p.marks {
		if m.Kind == MarkWait && m.RequestID == o.RequestID && m.Until.After(since) && !m.Until.After(o.Start) {
			d += m.Until.Sub(m.At)
		}
	}
	return d
}

func kindClass(kind string) string {
	switch kind {
	case KindCreate, KindEnroll, KindUpdate, KindUnmanage:
		return kind
	}
	return "other"
}

// writeMarks draws retries, restarts and failures, one row each; marks of a
// kind that fall within binW of the first of a group share its glyph.
func (p *picture) writeMarks(b *bufio.Writer) {
	b.WriteString("<g id=\"marks\">\n")
	for row, r := range markRows {
		y := p.marksTop() + float64(row)*markRowH + markRowH/2
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n", marginLeft-8, y+4, r.label)
		var group []Mark
		var gx float64
		flush := func() {
			if len(group) == 0 {
				return
			}
			fmt.Fprintf(b, "<g class=\"mark %s\" data-count=\"%d\"><title>%s</title><path class=\"mark-%s\" d=\"%s\"/></g>\n",
				r.kind, len(group), esc(p.marksText(r.kind, group)), r.kind, glyph(r.kind, gx, y))
			group = nil
		}
		for _, m := range p.marks {
			if m.Kind != r.kind {
				continue
			}
			x := p.x(m.At)
			if len(group) > 0 && x-gx >= binW {
				flush()
			}
			if len(group) == 0 {
				gx = x
			}
			group = append(group, m)
		}
		flush()
	}
	b.WriteString("</g>\n")
}

// marksText is the hover text of a glyph standing for marks.
func (p *picture) marksText(kind string, ms []Mark) string {
	var s strings.Builder
	if len(ms) > 1 {
		fmt.Fprintf(&s, "%d × %s\n", len(ms), markName(kind))
	}
	for i, m := range ms {
		if i == listMax {
			fmt.Fprintf(&s, "… and %d more", len(ms)-listMax)
			break
		}
		fmt.Fprintf(&s, "%s %s (%s): %s", m.At.UTC().Format("15:04:05"), cmp.Or(m.RequestID, "(no request)"), elapsed(m.At.Sub(p.start), true), cmp.Or(m.Detail, markName(kind)))
		if i < len(ms)-1 {
			s.WriteString("\n")
		}
	}
	return s.String()
}

// glyph is the path of a mark's glyph centred on x, y: a triangle for a
// retry, a diamond for a restart, a cross for a failure.
func glyph(kind string, x, y float64) string {
	switch kind {
	case MarkRetry:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x-4, y+4, x, y-4, x+4, y+4)
	case MarkRestart:
		return fmt.Sprintf("M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y-5, x+4, y, x, y+5, x-4, y)
	}
	return fmt.Sprintf("M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f", x-4, y-4, x+4, y+4, x-4, y+4, x+4, y-4)
}

// writeWaiting draws the waiting line's length as a step area, with hover
// columns naming who waited.
func (p *picture) writeWaiting(b *bufio.Writer) {
	top := p.stripTop()
	bottom := top + stripH
	peak := 0
	for _, s := range p.queue {
		peak = max(peak, s.Waiting)
	}
	b.WriteString("<g id=\"waiting\">\n")
	fmt.Fprintf(b, "<rect class=\"lane-bg\" x=\"%d\" y=\"%.0f\" width=\"%.0f\" height=\"%d\"/>\n", marginLeft, top, p.plotW, stripH)
	fmt.Fprintf(b, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">waiting for a slot</text><text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">max %d</text>\n",
		marginLeft-8, top+stripH/2+4, marginLeft-8, top+10, peak)
	if peak > 0 {
		y := func(n int) float64 { return bottom - float64(n)/float64(peak)*(stripH-4) }
		var d strings.Builder
		fmt.Fprintf(&d, "M%.1f %.0f", p.x(p.start), bottom)
		for _, s := range p.queue {
			fmt.Fprintf(&d, "H%.1fV%.1f", p.x(s.At), y(s.Waiting))
		}
		fmt.Fprintf(&d, "H%.1fV%.0fZ", p.x(p.end), bottom)
		fmt.Fprintf(b, "<path class=\"waiting\" d=\"%s\"/>\n", d.String())
		p.writeWaitHover(b, top)
	}
	b.WriteString("</g>\n")
}

// writeWaitHover adds a hover column every hoverW pixels where anyone
// waited, naming how many waited at most and who.
func (p *picture) writeWaitHover(b *bufio.Writer, top float64) {
	var waits []Mark
	for _, m := range p.marks {
		if m.Kind == MarkWait {
			waits = append(waits, m)
		}
	}
	b.WriteString("<g class=\"wait-hover\">\n")
	per := p.end.Sub(p.start) * hoverW / time.Duration(max(p.plotW, 1))
	if per <= 0 {
		per = time.Second
	}
	qi := 0
	current := 0
	for from := p.start; from.Before(p.end); from = from.Add(per) {
		to := from.Add(per)
		// The most waiting at once in [from, to): the count at from, and
		// every sample inside.
		for qi < len(p.queue) && !p.queue[qi].At.After(from) {
			current = p.queue[qi].Waiting
			qi++
		}
		most := current
		for j := qi; j < len(p.queue) && p.queue[j].At.Before(to); j++ {
			most = max(most, p.queue[j].Waiting)
		}
		if most == 0 {
			continue
		}
		var who []string
		for _, m := range waits {
			if m.At.Before(to) && m.Until.After(from) {
				who = append(who, m.RequestID)
			}
		}
		text := fmt.Sprintf("%s to %s: up to %d waiting for a slot", elapsed(from.Sub(p.start), true), elapsed(to.Sub(p.start), true), most)
		if len(who) > 0 {
			more := ""
			if len(who) > listMax {
				more = fmt.Sprintf(" and %d more", len(who)-listMax)
				who = who[:listMax]
			}
			text += "\n" + strings.Join(who, ", ") + more
		}
		fmt.Fprintf(b, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%d\" height=\"%d\"><title>%s</title></rect>\n", p.x(from), top, hoverW, stripH, esc(text))
	}
	b.WriteString("</g>\n")
}

// esc escapes text for XML (and HTML) text and attribute values.
func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "" // cannot happen: a strings.Builder does not fail
	}
	return b.String()
}
