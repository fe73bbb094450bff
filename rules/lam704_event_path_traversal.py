"""LAM704 event-path-traversal."""

from __future__ import annotations

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventPathTraversal(EventTaintRule):
    """
    ## What it does
    Flags event data in a filesystem path: the path given to `open` (and `io`,
    `codecs`, `gzip`, `bz2`, `lzma`, `tarfile`, `zipfile` openers), `os.remove`,
    `os.unlink`, `os.rename`, `os.makedirs`, `os.listdir` and the other `os` file
    functions, `shutil.copy`/`move`/`rmtree`/..., the methods of a `pathlib.Path`
    built from it (`read_text`, `write_bytes`, `unlink`, ...), and the local
    `Filename` of an S3 `download_file`/`upload_file`.

    Event data means values read from the handler's first parameter (any name),
    `app.current_event`, route path parameters and record handlers' records, followed
    through assignments, `os.path.join`, `pathlib` `/`, string building and the
    project's own functions; the message names the line where it was read.

    ## Why is this bad?
    A name like `../../var/task/app.py` or an absolute path leaves the directory the
    code meant to use: the function reads its own code or `/proc/self/environ` (which
    holds the role's credentials) and returns it, or overwrites and deletes files that
    later invocations in the same warm environment rely on. S3 object keys are a
    common way in: they may contain `../` and `/`.

    Not flagged: values reduced to their last component (`os.path.basename`,
    `Path(x).name`, `werkzeug.utils.secure_filename`), paths that are normalised
    (`os.path.realpath`/`abspath`/`normpath`, `Path.resolve()`) and then checked to
    stay under a base directory (`if not path.startswith(BASE): ...`,
    `path.is_relative_to(BASE)`, `os.path.commonpath`), values rejected when they
    contain `..`, values checked against a literal allow-list or with `isalnum()`/
    `re.fullmatch`, numbers, what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md). Normalisation alone is not enough: `normpath("/tmp/"
    "../etc/passwd")` is `/etc/passwd`.

    ## Fix safety
    No automatic fix: whether the name should lose its directories or be rejected is
    the author's call.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [OWASP: Path Traversal](https://owasp.org/www-community/attacks/Path_Traversal)
    - [Python `os.path.basename`](https://docs.python.org/3/library/os.path.html#os.path.basename)
    - [Amazon S3 object key naming](https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html)
    - [CWE-22: Path Traversal](https://cwe.mitre.org/data/definitions/22.html)
    """

    code = "LAM704"
    name = "event-path-traversal"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("open", "remove", "unlink", "rmdir", "rename", "replace", "makedirs", "mkdir",
             "listdir", "scandir", "chmod", "chown", "truncate", "walk", "symlink", "link",
             "shutil", "ZipFile", "read_text", "read_bytes", "write_text", "write_bytes",
             "touch", "glob", "iterdir", "download_file", "upload_file")
    tags = ("security", "filesystem")
    kind = catalog.PATH
    advice = (
        "keep only the file name (`os.path.basename`), or resolve the path and check that "
        "it stays under the intended directory"
    )

    examples = [
        Bad('''
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]["s3"]
                key = record["object"]["key"]
                local = f"/tmp/{key}"
                s3.download_file(record["bucket"]["name"], key, local)  # expect
                with open(local) as handle:  # expect
                    return handle.read()
        '''),
        Good('''
            import os
            import boto3

            s3 = boto3.client("s3")

            def lambda_handler(event, context):
                record = event["Records"][0]["s3"]
                key = record["object"]["key"]
                local = os.path.join("/tmp", os.path.basename(key))
                s3.download_file(record["bucket"]["name"], key, local)
                s3.upload_file("/tmp/report.csv", "reports", key)
                with open(local) as handle:
                    return handle.read()
        '''),
        Bad('''
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from storage import delete_report

            app = APIGatewayRestResolver()

            @app.delete("/reports/<name>")
            def remove(name):
                delete_report(name)
                return {"deleted": name}

            def lambda_handler(event, context):
                return app.resolve(event, context)
        ''', files={"storage.py": '''
            import os
            from pathlib import Path

            BASE = Path("/mnt/efs/reports")

            def delete_report(name):
                target = BASE / name
                target.unlink()  # expect
                os.remove(os.path.join("/mnt/efs/cache", name + ".json"))  # expect
        '''}),
        Good('''
            import os

            BASE = "/mnt/efs/reports/"

            def lambda_handler(event, context):
                path = os.path.realpath(os.path.join(BASE, event["name"]))
                if not path.startswith(BASE):
                    return {"statusCode": 400, "body": "bad name"}
                with open(path) as handle:
                    return {"statusCode": 200, "body": handle.read()}
        '''),
        Bad('''
            import os
            import shutil

            def lambda_handler(event, context):
                name = os.path.normpath(event["file"])
                shutil.copy(f"/opt/templates/{name}", "/tmp/out")  # expect
        '''),
        Good('''
            import re
            from pathlib import Path

            def lambda_handler(event, context):
                name = Path(event["file"]).name
                Path("/tmp", name).write_text(event["content"])
                report = event["report"]
                if not re.fullmatch(r"[a-z0-9-]+", report):
                    raise ValueError("bad report name")
                open(f"/tmp/{report}.csv", "w").close()
                document = event["document"]
                if ".." in document or document.startswith("/"):
                    raise ValueError("bad document name")
                return open(f"/srv/docs/{document}").read()
        '''),
        Good('''
            import os

            def cleanup(path):
                os.remove(path)

            def lambda_handler(event, context):
                cleanup("/tmp/scratch.bin")
                return {"id": event["id"]}
        '''),
    ]
