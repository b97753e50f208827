package vend

// ProductName exposes productName to the external tests.
var ProductName = productName
