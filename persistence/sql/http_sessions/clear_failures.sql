DELETE FROM login_failure WHERE throttle_key = :key
