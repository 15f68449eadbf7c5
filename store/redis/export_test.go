package redisstore

// The scripts, for tests that replay a call as go-redis does when a reply
// is lost.
var (
	ClaimScriptForTest  = claimScript
	CommitScriptForTest = commitScript
)
