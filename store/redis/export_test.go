package redisstore

// The scripts, for tests that replay a call as go-redis does when a reply
// is lost.
var (
	ClaimScriptForTest   = claimScript
	RenewScriptForTest   = renewScript
	CommitScriptForTest  = commitScript
	ReleaseScriptForTest = releaseScript
)

// KeepMillisForTest is the TTL in ms of a key holding a claim with lease d.
var KeepMillisForTest = keepMillis
