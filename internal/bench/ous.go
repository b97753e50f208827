package bench

import (
	"fmt"

	"github.com/towervend/towervend/internal/awssim"
)

// Spreading the requests over more OUs. Auto-enrollment moves one account at
// a time into an OU (aws-facts §11), so a batch over the bench's three OUs
// runs at most three enrollments at once, whatever Control Tower's quota:
// Options.OUs adds registered OUs to the bench's world, under Workloads
// (which the default policy's "Workloads/*" allows), for the requests to
// cycle over as well.

// maxOUs is the most OUs a bench spreads its requests over: more than
// Control Tower's largest quota (10) never adds a lane.
const maxOUs = 20

// extraOUParent is the OU the added OUs sit in.
const extraOUParent = "Workloads"

// requestOUs returns the OU paths k requests' OUs cycle over: the bench's
// three, then Workloads/Bench01 and on, those addOUs puts into the world.
func requestOUs(k int) []string {
	out := append([]string(nil), benchOUs...)
	for i := 1; len(out) < k; i++ {
		out = append(out, extraOUParent+"/"+extraOUName(i))
	}
	return out
}

func extraOUName(i int) string { return fmt.Sprintf("Bench%02d", i) }

// checkOUs checks an OUs option (0 is the bench's three).
func checkOUs(k int) (int, error) {
	if k == 0 {
		return len(benchOUs), nil
	}
	if k < len(benchOUs) || k > maxOUs {
		return 0, fmt.Errorf("ous %d: spread the requests over %d to %d OUs (the bench's %d, then Workloads/Bench01 and on)", k, len(benchOUs), maxOUs, len(benchOUs))
	}
	return k, nil
}

// addOUs adds the registered OUs requestOUs(k) names beyond the bench's
// three to w, under Workloads. Their ids are fixed, so adding them draws
// nothing from the world's seed.
func addOUs(w *awssim.World, k int) error {
	extra := k - len(benchOUs)
	if extra <= 0 {
		return nil
	}
	for i := range w.Organization.OrganizationalUnits {
		ou := &w.Organization.OrganizationalUnits[i]
		if ou.Name != extraOUParent {
			continue
		}
		for j := 1; j <= extra; j++ {
			ou.Children = append(ou.Children, awssim.OUSpec{Name: extraOUName(j), ID: fmt.Sprintf("ou-nw7k-bnch%04d", j), Registered: true})
		}
		return nil
	}
	return fmt.Errorf("ous %d: the bench's world has no top-level OU %s to add OUs to", k, extraOUParent)
}
