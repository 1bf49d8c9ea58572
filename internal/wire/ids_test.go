package wire_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

func TestIDs(t *testing.T) {
	classic := regexp.MustCompile(`^[A-Za-z0-9_-]{6}$`)
	cluster := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 2000 {
		c, s := wire.NewClassicID(), wire.NewClusterID()
		if !classic.MatchString(c) {
			t.Fatalf("classic id %q", c)
		}
		if !cluster.MatchString(s) {
			t.Fatalf("cluster id %q", s)
		}
		if seen[c] || seen[s] {
			t.Fatalf("repeated id %q / %q", c, s)
		}
		seen[c], seen[s] = true, true
		for _, r := range c {
			chars[r] = true
		}
	}
	// 12000 draws over 64 characters: every one shows up unless the mapping is broken.
	if len(chars) != 64 {
		var missing []string
		for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
			if !chars[r] {
				missing = append(missing, string(r))
			}
		}
		t.Fatalf("alphabet not covered, missing %s", strings.Join(missing, ""))
	}
}
