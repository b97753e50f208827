package awssim

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/world"
)

// Happening is something the world file says happens in the organization on
// its own, outside towervend.
type Happening = world.Happening

// Happened reports a world happening once it has happened.
type Happened struct {
	// Time is the simulated time it happened at.
	Time time.Time
	// What tells what happened (Happening.Describe).
	What string
	// Err is why it could not happen, or nil.
	Err error
}

// scheduleHappenings puts the world's happenings on the clock, each at its
// offset from the world's start. Those already past (a simulator restored from
// a snapshot) happened before the snapshot and are not repeated.
func (s *Sim) scheduleHappenings(w *World, report func(Happened)) {
	now := s.env.Clock.Now()
	var due []Happening
	for _, h := range w.Happenings {
		if !w.Start.Add(h.At.D()).Before(now) {
			due = append(due, h)
		}
	}
	// Counted before any is on the clock, which may run one at once.
	s.env.Lock()
	s.pendingHappenings = len(due)
	s.env.Unlock()
	for _, h := range due {
		s.env.Clock.AfterFunc(w.Start.Add(h.At.D()).Sub(now), func() {
			s.env.Lock()
			err := s.happen(h)
			happened := Happened{Time: s.env.Clock.Now(), What: h.Describe(), Err: err}
			s.env.Unlock()
			if report != nil {
				report(happened)
			}
			// Still pending until reported, so whoever waits for the
			// happenings also sees the report.
			s.env.Lock()
			s.pendingHappenings--
			s.env.Unlock()
		})
	}
}

// happen makes h happen through the same service calls as the Sim's own
// methods (InviteAccount, ProvisionInConsole, CreateAccountOutsideControlTower).
// The lock is held.
func (s *Sim) happen(h Happening) error {
	switch {
	case h.Invite != nil:
		id, err := s.org.InviteAccount(h.Invite.Name, h.Invite.Email)
		if err != nil {
			return err
		}
		if r := h.Invite.ExecutionRole; r != "" && r != RoleMissing {
			return s.org.SetExecutionRole(id, r)
		}
		return nil
	case h.ConsoleProvision != nil:
		c := h.ConsoleProvision
		_, err := s.provisionInConsole(ConsoleAccount{Name: c.Name, Email: c.Email, OU: c.OrganizationalUnit,
			OwnerEmail: c.SSO.Email, OwnerFirstName: c.SSO.FirstName, OwnerLastName: c.SSO.LastName})
		return err
	case h.CreateAccount != nil:
		_, err := s.org.CreateAccountOutsideControlTower(h.CreateAccount.Name, h.CreateAccount.Email)
		return err
	}
	return fmt.Errorf("happening at %s: no kind", h.At.D()) // Parse rejects these
}

// PendingHappenings is how many of the world's happenings are still to happen.
func (s *Sim) PendingHappenings() int {
	s.env.Lock()
	defer s.env.Unlock()
	return s.pendingHappenings
}
