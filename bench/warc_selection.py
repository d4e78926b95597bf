"""crawlproof's choice of WARC records to extract (extract/document.cc), in
Python, for peer tools' readers in the benchmarks: response records with HTTP
status 200 and an HTML Content-Type; a generic or missing type falls back to
WARC-Identified-Payload-Type, then to sniffing the body's first tag."""

GENERIC = {'', 'application/octet-stream', 'unknown/unknown', 'application/unknown', '*/*'}
HTML = {'text/html', 'application/xhtml+xml', 'application/xhtml'}
SNIFF = [b'<!doctype html', b'<html', b'<head', b'<script', b'<iframe', b'<h1', b'<div', b'<font', b'<table', b'<a',
         b'<style', b'<title', b'<b', b'<body', b'<br', b'<p']


def mime_of(content_type):
    return (content_type or '').split(';')[0].strip().lower()


def looks_like_html(body):
    body = body[3:] if body.startswith(b'\xef\xbb\xbf') else body
    body = body[:512].lstrip(b' \t\n\r\f') + body[512:]
    low = body[:32].lower()
    if low.startswith(b'<!--'):
        return True
    return any(low.startswith(p) and len(low) > len(p) and low[len(p):len(p) + 1] in (b' ', b'>') for p in SNIFF)


def selected_html(record):
    """The record's decoded body if crawlproof would extract it, else None."""
    if record.rec_type != 'response' or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != '200':
        return None
    mime = mime_of(record.http_headers.get_header('Content-Type'))
    if mime in GENERIC and record.rec_headers.get_header('WARC-Identified-Payload-Type'):
        mime = mime_of(record.rec_headers.get_header('WARC-Identified-Payload-Type'))
    body = record.content_stream().read()  # chunking and Content-Encoding removed
    if mime not in HTML and not (mime in GENERIC and looks_like_html(body)):
        return None
    return body
