"""What the dashboard shows, one function per section, each a fixed number of queries
(never one per row): recent scripts and workspaces with their pictures (`recent`,
`thumbnails`), the work in progress (`progress`), and this month's output (`monthly`)."""
