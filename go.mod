module github.com/towervend/towervend

go 1.26

require github.com/stretchr/testify v1.12.1

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace quamina.net/go/quamina v1.4.0 => github.com/timbray/quamina v1.4.0
