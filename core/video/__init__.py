"""The video of a script: render requests, the render job, its inputs, and previews."""
