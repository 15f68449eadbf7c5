package inbox_test

import (
	"testing"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/inbox/inboxtest"
)

func TestMemoryContract(t *testing.T) {
	inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
		return inbox.NewMemory(inbox.WithMaxEntries(c.MaxEntries))
	})
}
