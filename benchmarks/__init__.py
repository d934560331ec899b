"""Speed and memory measurements (never timed assertions in the tests); development only, not
in the production install."""
