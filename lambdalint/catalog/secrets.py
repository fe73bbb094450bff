"""Credentials and secrets (LAM4xx): what secrets, their names and their sources look like.

The rules ask three kinds of question here:

- *Is this name password-like?* (`db_password`, `apiKey`, `GITHUB_TOKEN`), with
  the names that only look like it (`NextToken`, `secret_name`, `token_type`);
- *Could this string be a secret?* A secret's *identifier* is not a secret: ARNs,
  SSM parameter paths, Secrets Manager ids, header and field names, environment
  variable names, placeholders and prose are never reported; a token or key must
  look generated (a password may be any text), and in test files every value must;
- *Where do secrets come from, and where do logs go?* (Secrets Manager, decrypted
  SSM parameters, password-like environment variables; `print`, `logging`,
  Powertools `Logger`).

Names of calls are qualified the way ``lambdalint.model.resolve`` spells them:
a call result ends in ``()``.
"""

from __future__ import annotations

import re

from lambdalint.catalog import observability

# -- AWS credential arguments (LAM401, LAM406) ---------------------------------------

# Keyword arguments of boto3/botocore/aioboto3 clients, resources and sessions.
AWS_CREDENTIAL_KWARGS = {
    "aws_access_key_id": "access key id",
    "aws_secret_access_key": "secret access key",
    "aws_session_token": "session token",
}
# The pair that makes up long-term (IAM user) credentials.
LONG_TERM_CREDENTIAL_KWARGS = ("aws_access_key_id", "aws_secret_access_key")
# Temporary credentials (STS, the execution role) only work together with this one.
SESSION_TOKEN_KWARG = "aws_session_token"
# The Lambda runtime fills these with the execution role's temporary credentials.
ROLE_CREDENTIAL_ENV_VARS = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
)
# Methods that hand out the credentials a session already has (the execution role's).
SESSION_CREDENTIAL_METHODS = frozenset({"get_credentials", "get_frozen_credentials"})

# Prefixes of AWS unique identifiers (IAM User Guide, "Unique identifiers"): an
# access key id is the prefix and 16 upper-case letters or digits.
AWS_KEY_ID_PREFIXES = {
    "AKIA": "access key id",
    "ASIA": "temporary (STS) access key id",
    "ABIA": "STS service bearer token id",
    "ACCA": "context-specific credential id",
    "AGPA": "IAM group id",
    "AIDA": "IAM user id",
    "AIPA": "EC2 instance profile id",
    "ANPA": "managed policy id",
    "ANVA": "managed policy version id",
    "APKA": "public key id",
    "AROA": "IAM role id",
    "ASCA": "certificate id",
}
# The prefixes of credentials; the others name IAM principals and policies, ids
# that AWS puts in policies and ARNs and that grant nothing by themselves.
CREDENTIAL_KEY_ID_PREFIXES = frozenset({"AKIA", "ASIA", "ABIA", "ACCA"})
AWS_KEY_ID_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(?P<key>(?P<prefix>" + "|".join(AWS_KEY_ID_PREFIXES) + r")(?P<body>[A-Z0-9]{16}))(?![A-Za-z0-9])"
)
# AWS's documentation writes its example credentials with this ending
# (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`).
AWS_EXAMPLE_SUFFIXES = ("EXAMPLE", "EXAMPLEKEY")
# A real key id's 16 characters are random: fewer distinct ones than this, no
# letter or no digit at all, is a made-up one (`AKIAXXXXXXXXXXXXXXXX`,
# `AKIA0000000000000000`) or a word (`ASIAPACIFICSOUTHEAST`).
AWS_KEY_ID_MIN_DISTINCT = 6


def aws_key_ids(text: str) -> list[re.Match[str]]:
    """Substrings of `text` shaped like an AWS key id, placeholders left out."""
    return [
        m for m in AWS_KEY_ID_PATTERN.finditer(text)
        if m.group("prefix") in CREDENTIAL_KEY_ID_PREFIXES and not is_placeholder_key_id(m.group("key"))
    ]


def is_placeholder_key_id(key: str) -> bool:
    """AWS's documentation keys and made-up ids; also upper-case words that only
    start like a key id (`ASIAPACIFICSOUTHEAST`): a random id almost always holds
    a digit (all 16 letters: under 4 % of real ids, a precision trade)."""
    body = key[4:]
    return (
        key.endswith(AWS_EXAMPLE_SUFFIXES)
        or len(set(body)) < AWS_KEY_ID_MIN_DISTINCT
        or not any(c.isalpha() for c in body)
        or not any(c.isdigit() for c in body)
    )


# -- Password-like names (LAM402, LAM404, LAM405) --------------------------------

# A name is password-like when its words end with one of these (case and the
# separator do not matter: `DB_PASSWORD`, `dbPassword`, `x-api-key`).
SECRET_NAME_SEQUENCES = (
    ("password",),
    ("passwd",),
    ("pwd",),
    ("passphrase",),
    ("secret",),
    ("token",),
    ("api", "key"),
    ("apikey",),
    ("access", "token"),
    ("client", "secret"),
    ("private", "key"),
    ("secret", "key"),
    ("secret", "access", "key"),
)
# The same words run together in one word (`dbpassword`, `authtoken`, `APIKEY`).
SECRET_WORD_ENDINGS = ("password", "passwd", "pwd", "passphrase", "secret", "token",
                       "apikey", "privatekey", "secretkey")
# Every password-like name contains one of these (the pre-scan's words, in the
# spellings code uses: lower, Capitalised and upper case).
SECRET_NAME_STEMS = ("passw", "pwd", "passphrase", "secret", "token", "api", "private")
# Words that may follow the secret word and still name the secret itself.
SECRET_VALUE_SUFFIXES = frozenset(
    {"value", "str", "string", "text", "plain", "plaintext", "cleartext", "raw", "b64",
     "base64", "hex", "bytes", "encoded", "literal"}
)
# `<qualifier>_token` names something that is not a credential: AWS pagination and
# idempotency parameters, Step Functions task tokens, counts of (LLM) tokens.
NON_SECRET_TOKEN_QUALIFIERS = frozenset(
    {"next", "continuation", "pagination", "page", "paging", "starting", "start", "sequence",
     "client", "idempotency", "request", "cancel", "cancellation", "task", "resume", "cursor",
     "sync", "marker", "max", "min", "num", "total", "count", "split", "end", "eos", "bos",
     "pad", "unk", "sep", "cls", "mask", "special", "prompt", "completion", "input", "output"}
)
# A first word that makes the name a flag or a setting about a secret, not the secret.
NON_SECRET_NAME_PREFIXES = frozenset(
    {"is", "has", "use", "uses", "enable", "enabled", "require", "requires", "required",
     "show", "hide", "mask", "masked", "no", "skip", "allow", "should", "needs", "min", "max",
     "num", "len", "count"}
)
# AWS request and response fields that only look secret-like (bandit#1350): pagination
# and idempotency parameters, written the way AWS spells them (compared without case
# or separators). Most already fail the name test; they are listed to state the fact.
PAGINATION_NAMES = frozenset(
    {"NextToken", "nextToken", "ContinuationToken", "NextContinuationToken", "StartingToken",
     "PaginationToken", "PageToken", "NextPageToken", "SequenceToken", "NextSequenceToken",
     "UploadSequenceToken", "nextForwardToken", "nextBackwardToken", "ClientToken",
     "ClientRequestToken", "IdempotencyToken", "TaskToken", "Marker", "NextMarker",
     "KeyMarker", "NextKeyMarker", "VersionIdMarker", "NextVersionIdMarker",
     "UploadIdMarker", "NextUploadIdMarker", "StartAfter", "ExclusiveStartKey",
     "LastEvaluatedKey", "ShardIterator", "NextShardIterator"}
)
_NON_SECRET_NAMES = frozenset(re.sub(r"[^a-z0-9]", "", n.lower()) for n in PAGINATION_NAMES)
# Shell variables that only look password-like: the working directories.
NON_SECRET_ENV_VARS = frozenset({"PWD", "OLDPWD"})

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> list[str]:
    """`dbPassword2` -> ["db", "password", "2"]; `X-Api-Key` -> ["x", "api", "key"]."""
    return [w.lower() for w in _WORD.findall(name)]


def secret_word(name: str) -> str | None:
    """The secret word a variable, attribute, parameter, key or environment variable
    name ends with (`"password"`, `"token"`, `"apikey"`), or None when it does not
    name a secret (an identifier of one, a flag about one, a pagination field)."""
    words = name_words(name)
    while words and words[-1].isdigit():
        words.pop()
    if not words or "".join(words) in _NON_SECRET_NAMES:
        return None
    while len(words) > 1 and words[-1] in SECRET_VALUE_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] in NON_SECRET_NAME_PREFIXES:
        return None
    for sequence in SECRET_NAME_SEQUENCES:
        size = len(sequence)
        if tuple(words[-size:]) == sequence:
            before = words[-size - 1] if len(words) > size else None
            if sequence[-1] == "token" and before in NON_SECRET_TOKEN_QUALIFIERS:
                return None
            return "".join(sequence)
    last = words[-1]
    for ending in SECRET_WORD_ENDINGS:
        if last.endswith(ending) and last != ending:
            qualifier = last[: -len(ending)]
            return None if ending == "token" and qualifier in NON_SECRET_TOKEN_QUALIFIERS else ending
    return None


def is_password_like(name: str) -> bool:
    """Whether a name names a secret (see `secret_word`)."""
    return secret_word(name) is not None


def names_a_password(name: str) -> bool:
    """A password, which people choose (any text may be one), rather than a token or
    key, which machines generate (`DB_PASSWORD`, `mysql_pwd`; not `api_token`)."""
    return secret_word(name) in HUMAN_SECRET_WORDS


def is_secret_env_var(name: str) -> bool:
    """An environment variable whose value is a secret (`DB_PASSWORD`, `API_TOKEN`,
    `AWS_SECRET_ACCESS_KEY`), not one that names a secret (`DB_SECRET_ARN`)."""
    return name not in NON_SECRET_ENV_VARS and is_password_like(name)


# -- What a secret looks like (LAM402, LAM403, LAM404) ---------------------------------
#
# People choose passwords: under a password's name any text may be one. Machines
# generate tokens, keys and client secrets: under their names a value must look
# generated (or carry a vendor's prefix) to be one; `"ServiceToken": "LambdaARN"`
# and `token = "token_type"` are names. In test files every value must look
# generated, whatever its name: fixtures are full of made-up passwords.

HUMAN_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
# Prefixes vendors give their credentials, each followed by a random body.
SECRET_PREFIXES = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",  # GitHub
    "glpat-",  # GitLab
    "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-",  # Slack
    "sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_",  # Stripe
    "sk-",  # OpenAI (`sk-proj-`), Anthropic (`sk-ant-`)
    "AIza",  # Google API keys
    "ya29.",  # Google OAuth access tokens
    "SG.",  # SendGrid
    "npm_", "pypi-",  # package registries
    "hf_",  # Hugging Face
    "shpat_", "shpss_", "shpca_",  # Shopify
    "dop_v1_",  # DigitalOcean
)
SECRET_PREFIX_MIN_BODY = 16
_PREFIXED = re.compile(
    "^(?:" + "|".join(re.escape(p) for p in SECRET_PREFIXES) + r")(?P<body>[A-Za-z0-9_\-.]+)$"
)
# A JSON Web Token: three base64url parts, the first two JSON objects (`eyJ` is `{"`).
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$")
# A generated secret has at least this many characters, this many distinct ones ...
GENERATED_MIN_LENGTH = 8
GENERATED_MIN_DISTINCT = 6
# ... and in a test file at least this many characters.
TEST_SECRET_MIN_LENGTH = 20
# Words, acronyms and numbers (`LambdaARN`, `orders-api-token-2024`, `user_monitoring`,
# `OrdersApiV2`) make a name: chunks (as `name_words` splits them) of this mean length
# or more, no lower-case letter alone (`t0k`, hex, UUIDs), and letters at least this
# share vowels (random upper-case runs, `XK7DQ9PL2MZR`, have few). A generated value
# mixes letters and digits in short runs (`k-7Hq2Lm9`, `9f8e7d6c`).
WORD_MIN_MEAN_CHUNK = 2.5
WORD_MIN_VOWEL_SHARE = 0.2
_VOWELS = frozenset("aeiouyAEIOUY")


def vendor_secret(value: str) -> bool:
    """A credential with a vendor's prefix and a random body (`ghp_...`, `xoxb-...`,
    `sk_live_...`), not a placeholder (`ghp_xxxxxxxxxxxxxxxxxxxx`)."""
    match = _PREFIXED.match(value.strip())
    if match is None:
        return False
    body = match.group("body")
    return len(body) >= SECRET_PREFIX_MIN_BODY and len(set(body)) >= GENERATED_MIN_DISTINCT


def is_word_structured(value: str) -> bool:
    """Made of words, acronyms and numbers: a name (`LambdaARN`, `token_type`,
    `orders-db-2`), not a generated secret."""
    chunks = _WORD.findall(value)
    if not chunks or any(len(c) == 1 and c.islower() for c in chunks):
        return False
    if sum(len(c) for c in chunks) < WORD_MIN_MEAN_CHUNK * len(chunks):
        return False
    letters = [c for c in value if c.isalpha()]
    return not letters or sum(c in _VOWELS for c in letters) >= WORD_MIN_VOWEL_SHARE * len(letters)


def looks_generated(value: str) -> bool:
    """Whether a value looks machine-generated: long enough, varied, mixing letters
    with digits (or three kinds of character), and not made of words."""
    text = value.strip()
    if len(text) < GENERATED_MIN_LENGTH or len(set(text)) < GENERATED_MIN_DISTINCT:
        return False
    if any(c.isspace() for c in text) or is_word_structured(text):
        return False
    kinds = sum((any(c.islower() for c in text), any(c.isupper() for c in text),
                 any(c.isdigit() for c in text), any(not c.isalnum() for c in text)))
    has_letters = any(c.isalpha() for c in text)
    return (has_letters and any(c.isdigit() for c in text)) or kinds >= 3


def secret_in_test_file(value: str) -> bool:
    """The bar in test files, where made-up values are the rule: a vendor credential,
    or a long generated value with no stand-in word in it."""
    text = value.strip()
    if vendor_secret(text):
        return True
    return (
        len(text) >= TEST_SECRET_MIN_LENGTH
        and looks_generated(text)
        and not _JWT.match(text)
        and not any(word in text.lower() for word in TEST_DUMMY_WORDS)
    )


# -- Strings that are not secrets (LAM402, LAM403, LAM404) ------------------------

# Template and mask syntax: a value to be filled in, never the secret itself.
_MARKUP = re.compile(
    r"""^(
        <[^<>]*>                      # <password>
      | \$\{[^{}]*\}                  # ${DB_PASSWORD}
      | \$[A-Za-z_][A-Za-z0-9_]*      # $DB_PASSWORD
      | \{\{.*\}\}                    # {{ secret }}, {{resolve:secretsmanager:...}}
      | [xX*#.\u2022_-]{2,}           # xxx, ****, ...
      | your[-_].*                    # your-api-key, your_token_here
    )$""",
    re.X,
)
_MASKS = ("***", "\u2022\u2022\u2022", "xxxx", "XXXX")
_ELLIPSES = ("...", "\u2026")
_FORMAT_FIELD = re.compile(r"\{[A-Za-z_0-9.\[\]]*(![rsa])?(:[^{}]*)?\}|%\(\w+\)[sdr]|%[sdr]")
# Values that are settings, states or type names rather than secrets.
NON_SECRET_VALUES = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "undefined", "n/a",
     "na", "required", "optional", "hidden", "masked", "redacted", "present", "missing",
     "set", "unset", "provided", "enabled", "disabled", "valid", "invalid", "expired",
     "bearer", "basic", "string", "str", "int", "integer", "bool", "boolean", "number",
     "object", "array", "text", "secure", "securestring", "plain", "plaintext", "default",
     "env", "environ", "ssm", "secretsmanager", "kms"}
)
# Stand-ins that tests and fixtures use (only there: shipped as a real default in
# production code, `changeme` is a finding).
TEST_DUMMY_WORDS = (
    "test", "dummy", "fake", "mock", "example", "sample", "placeholder", "changeme",
    "change_me", "change-me", "foo", "bar", "baz", "secret", "password", "passw", "pass",
    "token", "key", "abc", "123", "xyz", "qwerty", "letmein", "hunter2", "admin", "local",
    "dev", "moto", "localstack", "minio",
)
# Dummy values of moto, LocalStack and MinIO: AWS credentials never look like this.
AWS_DUMMY_CREDENTIALS = frozenset(
    {"testing", "test", "dummy", "fake", "foo", "bar", "baz", "foobar", "mock", "localstack",
     "none", "null", "minioadmin", "foobarkey", "foobarsecret", "access_key", "secret_key",
     "key", "secret"}
)
# Secret access keys are 40 characters; session tokens are longer.
AWS_SECRET_MIN_LENGTH = 30
# PEM private keys contain spaces but are secrets all the same.
PRIVATE_KEY_MARKER = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_HEADER_NAME = re.compile(r"^[Xx]-[A-Za-z0-9-]+$")
# `DB_PASSWORD`, `API_KEY_2`, and upper-case words (`NAME`, `STRING` token types).
_ENV_VAR_NAME = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z_]*)$")
_FILE_NAME = re.compile(
    r"^[\w.-]+\.(?:json|ya?ml|toml|ini|cfg|conf|env|txt|pem|key|crt|cer|der|p12|pfx|jks|pub|gpg|asc)$",
    re.I,
)
_ID_SEGMENT = re.compile(
    r"""^(?:
        [a-z0-9]+(?:[-_.+=@][a-z0-9]+)*        # prod, db-credentials, my_app
      | (?:[A-Z][a-z0-9]+)+                    # MyApp, DbPassword
      | [A-Z0-9]+(?:[-_][A-Z0-9]+)*            # PROD, DB_CREDS
      | (?:[A-Z]?[a-z0-9]+)(?:[-_][A-Z]?[a-z0-9]+)+  # Prod-Db, my-App
    )$""",
    re.X,
)
# Character classes and groups of a regular expression (`token = r"[^\W\d]\w*"`).
_REGEX_SIGNS = ("\\w", "\\d", "\\s", "\\b", "[^", "(?", ".*", ".+", "[a-z", "[A-Z", "[0-9")
# Names of resources (a Secrets Manager secret, a parameter, a table): words in
# kebab, snake or Pascal case (`orders-db-credentials`, `OrdersDbCredentials`).
_RESOURCE_NAME = re.compile(r"^(?:[a-z]+[0-9]*(?:[-_][a-z]+[0-9]*)+|(?:[A-Z][a-z]+){2,})$")
MIN_SECRET_LENGTH = 3


def is_markup_placeholder(value: str) -> bool:
    """`<password>`, `${DB_PASSWORD}`, `{password}`, `%(pw)s`, `xxx`, `:****`, AWS's `...EXAMPLE`,
    and values cut short for show (`eyJraWQiOiJX...`): no secret holds an ellipsis."""
    text = value.strip()
    return bool(
        _MARKUP.match(text)
        or any(ellipsis in text for ellipsis in _ELLIPSES)
        or _FORMAT_FIELD.search(text)
        or text.endswith(AWS_EXAMPLE_SUFFIXES)
        or not any(c.isalnum() for c in text)
        or any(mask in text for mask in _MASKS)
    )


def is_identifier_path(value: str) -> bool:
    """`prod/db/credentials`, `MyApp/Prod/DbPassword`, `alias/app`: made of words
    separated by `/` (a Secrets Manager id, a KMS alias), not random characters."""
    if "/" not in value or "://" in value:
        return False
    segments = [s for s in value.split("/") if s]
    return bool(segments) and all(_ID_SEGMENT.match(s) for s in segments)


def is_identifier_name(value: str) -> bool:
    """The value names a secret field instead of holding one: `password`,
    `x-api-token`, `apiKey`, `DB_PASSWORD`, `X-Auth`."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*", value) is None:
        return False
    if _HEADER_NAME.match(value) or _ENV_VAR_NAME.match(value):
        return True
    words = name_words(value)
    return any(tuple(words[-len(s):]) == s for s in SECRET_NAME_SEQUENCES)


def not_a_secret(value: str, *, in_test: bool, name: str | None = None) -> str | None:
    """Why a string literal bound to `name` cannot be a secret (for docs and
    debugging), or None when it may be one."""
    text = value.strip()
    if not text:
        return "empty"
    if vendor_secret(text):
        return None
    if PRIVATE_KEY_MARKER.search(value):
        return "key material in a test" if in_test else None
    if any(c.isspace() for c in text):
        return "text with spaces"
    if len(text) < MIN_SECRET_LENGTH:
        return "too short"
    if is_markup_placeholder(text):
        return "placeholder"
    if text.lower() in NON_SECRET_VALUES:
        return "setting or type name"
    if text.startswith("arn:"):
        return "ARN"
    if text.startswith("/"):
        return "parameter path or file path"
    if "://" in text:
        return "URL"
    if is_identifier_path(text):
        return "Secrets Manager id or other identifier path"
    if is_identifier_name(text):
        return "field, header or environment variable name"
    if _RESOURCE_NAME.match(text) and (name is None or "secret" in name_words(name)):
        # `DB_SECRET = "orders-db-credentials"` names a Secrets Manager secret;
        # `password = "user_monitoring"` is a (weak) password.
        return "resource name"
    if _FILE_NAME.match(text):
        return "file name"
    if any(sign in text for sign in _REGEX_SIGNS):
        return "regular expression"
    if in_test and any(word in text.lower() for word in TEST_DUMMY_WORDS):
        return "dummy value in a test"
    if in_test and not secret_in_test_file(text):
        return "made-up value in a test"
    if _JWT.match(text) or name is None or names_a_password(name):
        return None
    if not looks_generated(text):
        return "a word or name, not a generated token or key"
    return None


def could_be_aws_credential(kwarg: str, value: str) -> bool:
    """Whether a literal passed as `kwarg` can be a real AWS credential: a key id
    has its fixed shape; a secret access key (40 characters) and a session token
    are random base64, so they mix upper case, lower case and digits. Dummies
    (`"testing"`, `"foo"`, `"fake-secret"`, `"minioadmin"`) cannot."""
    text = value.strip()
    if not text or text.lower() in AWS_DUMMY_CREDENTIALS or is_markup_placeholder(text):
        return False
    if kwarg == "aws_access_key_id":
        return bool(aws_key_ids(text))
    return (
        len(text) >= AWS_SECRET_MIN_LENGTH
        and not any(c.isspace() for c in text)
        and any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


# -- Credentials in URLs (LAM403) ------------------------------------------------------

URL_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^\s:/@?#]*):(?P<password>[^\s/@]*)@(?P<host>[^\s/@?#:]*)"
)
# A development default that cannot reach anything deployed.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "host.docker.internal"})
# Words documentation writes in place of a password (`user:password@host`).
URL_PASSWORD_PLACEHOLDERS = frozenset({"pass", "password", "passwd", "pwd", "pw", "secret", "token"})

# -- Where secrets come from (LAM405) -------------------------------------------------

# Operations whose response holds a secret, always.
SECRET_OPERATIONS = {
    "get_secret_value": "Secrets Manager secret",
    "batch_get_secret_value": "Secrets Manager secrets",
}
# Operations whose response holds a secret when called with `WithDecryption=True`.
DECRYPTING_OPERATIONS = {
    "get_parameter": "decrypted SSM parameter",
    "get_parameters": "decrypted SSM parameters",
    "get_parameters_by_path": "decrypted SSM parameters",
}
DECRYPTION_KWARG = "WithDecryption"
# Powertools parameters: `get_secret` always, the others with `decrypt=True`.
POWERTOOLS_PARAMETERS = "aws_lambda_powertools.utilities.parameters"
POWERTOOLS_SECRET_FUNCTIONS = frozenset({"get_secret", "get_secrets_by_name"})
POWERTOOLS_DECRYPTING_FUNCTIONS = frozenset({"get_parameter", "get_parameters", "get_parameters_by_name"})
POWERTOOLS_DECRYPTION_KWARG = "decrypt"
# Fields of those responses (and of parsed secret JSON) that are not secret.
# Attributes of objects built from credentials (a boto3 Session or client made with
# an assumed role's keys) that say nothing about the credentials.
NON_SECRET_ATTRIBUTES = frozenset(
    {"region_name", "profile_name", "available_profiles", "meta", "events", "service_name",
     "partition", "endpoint_url", "config"}
)
NON_SECRET_FIELDS = frozenset(
    {
        # Secrets Manager and SSM response metadata
        "ARN", "Name", "VersionId", "VersionStages", "CreatedDate", "ResponseMetadata",
        "Type", "Version", "LastModifiedDate", "DataType", "Selector", "SourceResult",
        "InvalidParameters", "NextToken", "Errors", "HTTPStatusCode", "RequestId",
        # STS response metadata
        "AssumedRoleUser", "AssumedRoleId", "Arn", "PackedPolicySize", "SourceIdentity",
        "Expiration", "AccessKeyId", "Audience", "Provider", "FederatedUser",
        "SubjectFromWebIdentityToken",
        # the non-secret fields of RDS/Redshift/DocumentDB secrets and similar JSON
        "username", "user", "user_name", "userName", "host", "hostname", "port", "dbname",
        "database", "db", "engine", "dbInstanceIdentifier", "dbClusterIdentifier",
        "region", "schema",
    }
)
# Last words of a field's name that name or locate something rather than hold a secret
# (`masterarn`, `user_arn`, `dbIdentifier`, `awsSeamlessDomainUsername`, `DirectoryId`):
# the rotation functions' secrets carry the ARN of their master secret, the resource and
# the user next to the password.
NON_SECRET_FIELD_WORDS = frozenset({"id", "ids", "arn", "arns", "identifier", "username", "host", "hostname",
                                    "port", "region", "dbname", "engine"})
NON_SECRET_FIELD_ENDINGS = ("arn", "identifier", "username")


def is_non_secret_field(key: str) -> bool:
    """Whether a field of a response or of a secret's JSON holds no secret: a known one
    (`NON_SECRET_FIELDS`), or one whose name ends with a word that names or locates
    something (`NON_SECRET_FIELD_WORDS`), unless the name also says it is a secret."""
    if key in NON_SECRET_FIELDS:
        return True
    words = name_words(key)
    if not words or is_password_like(key):
        return False
    return words[-1] in NON_SECRET_FIELD_WORDS or words[-1].endswith(NON_SECRET_FIELD_ENDINGS)


# Calls and methods through which a secret stays whole (or readable) in the result.
SECRET_PRESERVING_CALLS = frozenset(
    {"builtins.str", "builtins.repr", "builtins.format", "builtins.dict", "builtins.list",
     "builtins.tuple", "builtins.sorted", "builtins.bytes", "json.dumps", "json.loads",
     "base64.b64decode", "base64.b64encode", "base64.urlsafe_b64decode",
     "base64.urlsafe_b64encode", "codecs.decode", "codecs.encode", "pprint.pformat",
     "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode"}
)
SECRET_PRESERVING_METHODS = frozenset(
    {"get", "pop", "copy", "items", "values", "strip", "lstrip", "rstrip", "lower", "upper",
     "title", "casefold", "encode", "decode", "format", "format_map", "join", "replace",
     "split", "rsplit", "splitlines", "partition", "rpartition", "removeprefix",
     "removesuffix", "zfill", "ljust", "rjust", "center", "expandtabs", "to_dict", "dict",
     "model_dump", "json", "read", "hex", "get_secret_value"}
)

# -- Where logs go (LAM405) ---------------------------------------------------------------

# The observability catalog (LAM801) knows where output goes; this only adds
# what matters for secrets: keys appended to a logger are logged too.
PRINT_FUNCTIONS = observability.PRINT_CALLS
# print's keywords that do not reach the output.
PRINT_NON_OUTPUT_KWARGS = frozenset({"sep", "end", "file", "flush"})
LOGGING_FUNCTIONS = frozenset(f"{module}.{method}" for module in observability.LOGGING_MODULES
                              for method in observability.LOG_METHODS)
# Objects whose LOGGER_METHODS write log records (qualified without the trailing call).
LOGGER_FACTORIES = frozenset(name.removesuffix("()") for name in observability.LOGGER_OBJECTS)
LOGGER_METHODS = observability.LOG_METHODS | {"msg", "append_keys", "structure_logs"}
# Logging keywords that carry no data.
LOGGING_NON_OUTPUT_KWARGS = (observability.LOG_CONTROL_KEYWORDS - PRINT_NON_OUTPUT_KWARGS) | {"level"}

# -- Regions (LAM407) ----------------------------------------------------------------

# Where else a `region_name=` literal is a region pin.
REGION_CONFIG_CALLS = frozenset(
    {"botocore.config.Config", "botocore.client.Config", "boto3.setup_default_session"}
)
REGION_KWARG = "region_name"
# Where `region_name` sits among the positional parameters, by the end of the
# qualified name: `boto3.client("s3", "eu-west-1")`, `Session(key, secret, token, region)`.
REGION_POSITIONS = (("client", 1), ("resource", 1), ("create_client", 1), ("Session", 3))
# Services with a single (global) endpoint region: pinning it is right, not a smell.
FIXED_REGION_SERVICES = frozenset(
    {"ce", "cur", "pricing", "budgets", "iam", "organizations", "route53", "route53domains",
     "cloudfront", "globalaccelerator", "shield", "health", "support", "account",
     "savingsplans", "waf", "marketplace-catalog", "marketplacecommerceanalytics",
     "chatbot", "billingconductor", "freetier", "artifact", "networkmanager"}
)
