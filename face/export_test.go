package face

// TurnedBox lets the tests check the fallback detector's boxes against
// UltraFace's.
var TurnedBox = turnedBox
