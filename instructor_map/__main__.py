import multiprocessing

from instructor_map.launch import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen bundle starts the model's process through this script too
    raise SystemExit(main())
