FETCH FORWARD 2000 FROM audit_verify_stream
