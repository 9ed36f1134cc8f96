"""Bank files by SFTP poll: the bank's statement and status files are fetched from a folder on
its SFTP server (host key pinned), imported one by one, then moved to a processed folder."""
