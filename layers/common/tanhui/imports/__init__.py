"""Partner bulk import: files uploaded to S3, received through SQS."""
