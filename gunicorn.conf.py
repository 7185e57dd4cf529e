"""gunicorn's settings (read from the working directory, /app in the image).

The access log leaves out the query string and the referer: staff searches (a NIK typed in the inbox) and
platform handshakes (Meta's hub.verify_token, X's crc_token) travel in query strings.
"""

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
