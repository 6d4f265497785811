"""The main window's pages: Upscale, Video, Train and Models."""
