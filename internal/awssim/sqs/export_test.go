package sqs

// AttrsMD5 is attrsMD5, for the external tests.
var AttrsMD5 = attrsMD5
