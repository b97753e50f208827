package eventbridge

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Scheduled rules: a rule with a ScheduleExpression sends its targets a
// "Scheduled Event" (source aws.events) every interval, on the simulated clock.
// The simulator runs rate() expressions; AWS's cron() ones are refused.

var rateRe = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// parseRate reads a rate expression as AWS spells it: rate(1 hour), rate(5 minutes).
func parseRate(expr string) (time.Duration, bool) {
	m := rateRe.FindStringSubmatch(expr)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, false
	}
	// AWS wants the singular for 1 and the plural otherwise.
	unit := strings.TrimSuffix(m[2], "s")
	if (n == 1) != (unit == m[2]) {
		return 0, false
	}
	return time.Duration(n) * map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[unit], true
}

// arm schedules the rule's next firing one interval from now, replacing any
// earlier timer (a later PutRule, a deletion). The lock is held.
func (s *Service) arm(r *Rule) {
	every, ok := parseRate(r.ScheduleExpression)
	if !ok {
		return
	}
	s.scheduleSeq[r.Name]++
	seq := s.scheduleSeq[r.Name]
	s.env.AfterLocked(every, func() {
		cur := s.homeDefault().Rules[r.Name]
		if s.scheduleSeq[r.Name] != seq || cur == nil || cur.ScheduleExpression == "" {
			return
		}
		if cur.State == "ENABLED" {
			ev := s.envelope(s.env.Region, "aws.events", "Scheduled Event", []byte("{}"), []string{cur.Arn}, s.env.Clock.Now())
			for _, t := range cur.Targets {
				payload := ev
				if t.Input != "" {
					payload = []byte(t.Input)
				}
				s.deliver(cur.Name, t, payload, 0)
			}
		}
		s.arm(cur)
	})
}

// Resume starts the timers of the scheduled rules a snapshot held. The lock is held.
func (s *Service) Resume() {
	for _, name := range sortedKeys(s.homeDefault().Rules) {
		if r := s.homeDefault().Rules[name]; r.ScheduleExpression != "" {
			s.arm(r)
		}
	}
}
