# The module's attributes were checked against the aws provider 6.25.0 (attributes.json): the
# lowest version it accepts. Terraform 1.5 or later, for the checks in variable validations.
terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }
}
