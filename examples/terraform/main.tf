# lambdalint example: a receipts service deployed with Terraform, whose
# deployment and code disagree. Each mistake is one LAM0xx finding; see ../README.md.

variable "python_runtime" {
  description = "Python runtime of the receipts function"
  type        = string
  default     = "python3.9"
}

data "archive_file" "receipts" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/receipts.zip"
}

resource "aws_s3_bucket" "uploads" {
  bucket_prefix = "receipt-uploads-"
}

resource "aws_dynamodb_table" "receipts" {
  name         = "receipts"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "key"

  attribute {
    name = "key"
    type = "S"
  }
}

resource "aws_lambda_function" "receipts" {
  function_name    = "receipts"
  role             = aws_iam_role.receipts.arn
  handler          = "receipts.lambda_handler"
  runtime          = var.python_runtime
  memory_size      = 256
  filename         = data.archive_file.receipts.output_path
  source_code_hash = data.archive_file.receipts.output_base64sha256

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.receipts.name
    }
  }
}

resource "aws_lambda_permission" "uploads" {
  statement_id  = "AllowReceiptUploads"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.receipts.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.uploads.arn
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.receipts.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
    filter_suffix       = ".pdf"
  }

  depends_on = [aws_lambda_permission.uploads]
}
