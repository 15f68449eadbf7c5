package checkly

// CheckFastPath is checkFastPath, for the external tests that decode
// package hooktest's bodies (hooktest imports this package).
var CheckFastPath = checkFastPath
